// A real geth v1.13.15 Clique chain: the genesis lib/geth writes, a signer sealing 1 s blocks with the key it got through
// its keystore, a second node of the same genesis syncing from it; the IPC client across geth stops, kills and hangs.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Wallet } from "ethers";
import { geth, gethIpc } from "../lib/geth";
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

test("the IPC client outlives geth: stopped, killed and hung geth fail calls in time, the next call connects again", async () => {
  const node = await startGethSigner({ periodSeconds: 1 });
  started.push(node);
  const gethPid = async () => Number((await Bun.$`pgrep -f -- ${"--datadir " + node.datadir + " "}`.text()).trim().split("\n")[0]);
  expect(await geth.blockNumber(node.ipc)).toBeGreaterThanOrEqual(0);
  await expect(geth.signerOf(node.ipc, 1_000_000)).rejects.toThrow("geth clique_getSigner: missing block 0xf4240");

  // Stopped: the socket is gone, so calls fail at once rather than waiting out their timeout.
  await node.stop();
  const t0 = Date.now();
  await expect(geth.blockNumber(node.ipc)).rejects.toThrow(`geth IPC ${node.ipc}: `);
  expect(Date.now() - t0).toBeLessThan(1000);
  await node.restart();
  expect(await geth.blockNumber(node.ipc)).toBeGreaterThanOrEqual(0);

  // Killed with the connection open: the supervisor restarts geth and calls answer again.
  const killed = await gethPid();
  process.kill(killed, "SIGKILL");
  await waitFor("geth restarted", async () => (await gethPid()) !== killed && (await geth.blockNumber(node.ipc)) >= 0, 20_000);

  // Hung: the call times out in the usual words; once geth runs again a new connection answers.
  const hung = await gethPid();
  process.kill(hung, "SIGSTOP");
  try {
    await expect(gethIpc(node.ipc, "eth_blockNumber", [], 500)).rejects.toThrow("geth IPC eth_blockNumber: no answer within 500 ms");
  } finally {
    process.kill(hung, "SIGCONT");
  }
  expect(await geth.blockNumber(node.ipc)).toBeGreaterThanOrEqual(0);
}, 60_000);
