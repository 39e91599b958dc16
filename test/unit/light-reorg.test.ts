// Forks and history: the light client follows a heavier Clique branch (as after a healed partition) and refuses a
// lighter one, even a longer one; a header older than those it keeps is verified by hash links to a kept anchor.
// The chains are sealed by this test with @ethereumjs/block for three signer keys and served by a small JSON-RPC
// server (test/support/clique-chain.ts), since forks cannot be made on demand with real geth nodes in a unit test; the
// verification path is the real one (hash, seal, signer set, recent signers, difficulty, total difficulty, SQLite).
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import { LightClient } from "../../lib/light";
import { removeTempDirs, tempDir } from "../support/cli";
import { cliqueChain, serveChain } from "../support/clique-chain";

const chainId = 4444n;
const { genesis, extend } = cliqueChain(chainId, 2100);
let served: BlockHeader[] = [];
const server = await serveChain(chainId, () => served);
const url = server.url;
afterAll(() => {
  server.stop();
  removeTempDirs();
});

test("a heavier branch replaces the verified one from the fork point; a lighter one, even longer, is refused", async () => {
  const common5 = extend([genesis], 5, true);
  const a = extend(common5, 7, true); // +2 blocks in turn: +4 difficulty
  const lighter = extend(common5, 8, false, 1); // +3 blocks out of turn: +3
  const heavier = extend(common5, 10, false, 2); // +5 blocks out of turn: +5
  const client = new LightClient({ endpoints: [url], chainId, genesisHash: bytesToHex(genesis.hash()), storePath: join(tempDir(), "light.sqlite"), timeoutMs: 3000, freshMs: 0 });

  served = a;
  expect(bytesToHex((await client.sync()).header.hash())).toBe(bytesToHex(a[7]!.hash()));

  served = lighter;
  await expect(client.sync()).rejects.toThrow(/lighter branch \(total difficulty \d+ ≤ \d+\) from block 5/);
  expect(bytesToHex(client.head!.header.hash())).toBe(bytesToHex(a[7]!.hash()));
  expect(bytesToHex((await client.byNumber(6n)).header.hash())).toBe(bytesToHex(a[6]!.hash()));

  served = heavier;
  const head = await client.sync();
  expect(head.header.number).toBe(10n);
  expect(bytesToHex(head.header.hash())).toBe(bytesToHex(heavier[10]!.hash()));
  for (const n of [5, 6, 7, 8]) expect(bytesToHex((await client.byNumber(BigInt(n))).header.hash())).toBe(bytesToHex(heavier[n]!.hash()));
  client.close();
});

test("headers older than those kept are verified by hash links to a kept anchor; an altered old header is refused", async () => {
  const chain = extend([genesis], 2100, true);
  served = chain;
  const path = join(tempDir(), "light.sqlite");
  const options = { endpoints: [url], chainId, genesisHash: bytesToHex(genesis.hash()), storePath: path, timeoutMs: 3000, freshMs: 0, keepHeaders: 100 };
  const client = new LightClient(options);
  expect((await client.sync()).header.number).toBe(2100n);
  await expect(client.byNumber(5n)).rejects.toThrow(/older than the verified headers kept/);
  for (const n of [5n, 1024n, 1500n, 2000n]) expect(bytesToHex((await client.header(n)).hash())).toBe(bytesToHex(chain[Number(n)]!.hash()));
  client.close();

  // The endpoint now serves another block 500 (validly sealed, but not the one the chain links to).
  served = [...chain];
  served[500] = extend(chain.slice(0, 500), 500, true, 7)[500]!;
  const fresh = new LightClient(options);
  await expect(fresh.header(500n)).rejects.toThrow(/block 500 is not the parent of the verified block 501/);
  expect(bytesToHex((await fresh.header(1200n)).hash())).toBe(bytesToHex(chain[1200]!.hash())); // other segments still verify
  fresh.close();
});
