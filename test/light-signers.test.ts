// The light client follows a changing Clique signer set on real geth v1.13.15 signers: a second and a third signer
// voted in with clique_propose, the third stopped (its turns sealed out of turn, difficulty 1, under the recent-signer
// rule) and voted out; the light client's snapshot matches geth's clique_getSigners at every step, and every
// header from genesis verified.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Wallet } from "ethers";
import { geth } from "../lib/geth";
import { LightClient } from "../lib/light";
import { removeTempDirs, tempDir } from "./support/cli";
import { startGeth, startGethSigner, type TestGeth } from "./support/geth";
import { waitFor } from "./support/ports";

const nodes: TestGeth[] = [];
afterAll(async () => {
  for (const n of nodes) await n.stop();
  removeTempDirs();
});

const sorted = (xs: string[]) => xs.map((x) => x.toLowerCase()).sort();

test("votes add two signers and drop one; the light client's signer set follows geth's, block by block", async () => {
  const [a, b, c] = [0, 1, 2].map(() => new Wallet(Wallet.createRandom().privateKey));
  const first = await startGethSigner({ periodSeconds: 1, key: a! });
  nodes.push(first);
  const second = await startGeth({ genesis: first.params, signer: b! });
  nodes.push(second);
  await second.peerWith(first);
  const third = await startGeth({ genesis: first.params, signer: c! });
  nodes.push(third);
  await third.peerWith(first);
  await third.peerWith(second);

  const light = new LightClient({
    endpoints: [first.url], chainId: first.params.chainId, genesisHash: first.genesisHash,
    storePath: join(tempDir(), "light.sqlite"), timeoutMs: 5000, freshMs: 0,
  });
  const lightSigners = async () => sorted((await light.sync()).snapshot.signers);
  const gethSigners = async () => sorted(await geth.signers(first.ipc));
  const votedTo = async (want: string[]) => {
    await waitFor(`signers ${want.join(", ")} on geth`, async () => (await gethSigners()).join() === sorted(want).join(), 30_000);
    await waitFor("the light client to follow", async () => (await lightSigners()).join() === sorted(want).join(), 15_000);
  };

  expect(await lightSigners()).toEqual(sorted([a!.address]));
  await geth.propose(first.ipc, b!.address, true); // 1 signer: its vote is a majority
  await votedTo([a!.address, b!.address]);
  await geth.propose(first.ipc, c!.address, true); // 2 signers: both must vote
  await geth.propose(second.ipc, c!.address, true);
  await votedTo([a!.address, b!.address, c!.address]);
  // The third signer goes away: its turns are sealed out of turn (difficulty 1) by the other two, who alternate
  // under the recent-signer rule.
  await third.stop();
  const at = (await light.sync()).header.number;
  await waitFor("8 more blocks", async () => (await light.sync()).header.number >= at + 8n, 30_000);
  let outOfTurn = 0;
  for (let n = at + 1n; n <= at + 8n; n++) if ((await light.byNumber(n)).header.difficulty === 1n) outOfTurn++;
  expect(outOfTurn).toBeGreaterThan(0);
  await geth.propose(first.ipc, c!.address, false); // 3 signers: 2 votes drop one
  await geth.propose(second.ipc, c!.address, false);
  await votedTo([a!.address, b!.address]);
  const head = await light.sync();
  expect(head.header.number).toBeGreaterThan(at + 8n);
  expect(light.rejections).toEqual([]);
  light.close();
});
