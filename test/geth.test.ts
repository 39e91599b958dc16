// A real geth v1.13.15 Clique chain: the genesis lib/geth writes, a signer sealing 1 s blocks with the key it got through
// its keystore, a second node of the same genesis syncing from it.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Wallet } from "ethers";
import { geth } from "../lib/geth";
import { removeTempDirs } from "./support/cli";
import { startGeth, startGethSigner, type TestGeth } from "./support/geth";
import { waitFor } from "./support/ports";

const started: TestGeth[] = [];
afterAll(async () => {
  for (const node of started) await node.stop();
  removeTempDirs();
});

test("a Clique signer seals 1 s blocks, a peer of the same genesis syncs them, the key never shows on a command line", async () => {
  const key = new Wallet(Wallet.createRandom().privateKey);
  const signer = await startGethSigner({ periodSeconds: 1, key });
  started.push(signer);
  expect(await geth.signers(signer.ipc)).toEqual([key.address.toLowerCase()]);

  await waitFor("3 blocks", async () => (await geth.blockNumber(signer.ipc)) >= 3, 15_000);
  const b1 = (await geth.block(signer.ipc, "0x1"))!;
  const b3 = (await geth.block(signer.ipc, "0x3"))!;
  const seconds = Number(b3.timestamp) - Number(b1.timestamp);
  expect(seconds).toBeGreaterThanOrEqual(2);
  expect(seconds).toBeLessThanOrEqual(3);

  // Nothing secret in geth's argv: the password is in a file, the key in geth's keystore.
  const pid = Number((await Bun.$`pgrep -f -- ${"--datadir " + signer.datadir}`.text()).trim().split("\n")[0]);
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  expect(argv).toContain("--password");
  expect(argv).not.toContain(key.privateKey.slice(2));
  expect(argv).not.toContain("test-geth-password");

  const follower = await startGeth({ genesis: signer.params });
  started.push(follower);
  expect(follower.genesisHash).toBe(signer.genesisHash);
  await follower.peerWith(signer);
  const target = await geth.blockNumber(signer.ipc);
  await waitFor("the follower to sync", async () => (await geth.blockNumber(follower.ipc)) >= target, 20_000);
  expect((await geth.block(follower.ipc, "0x2"))!.hash).toBe((await geth.block(signer.ipc, "0x2"))!.hash);
});
