// Forks and history: the light client follows a heavier Clique branch (as after a healed partition) and refuses a
// lighter one, even a longer one; a header older than those it keeps is verified by hash links to a kept anchor. The branches are sealed by this test with @ethereumjs/block for three signer keys and served by a
// small JSON-RPC server (Bun.serve), since a fork cannot be made on demand with real geth nodes in a unit test; the
// verification path is the real one (hash, seal, signer set, recent signers, difficulty, total difficulty, SQLite).
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { createBlockHeader, createSealedCliqueBlockHeader, type BlockHeader } from "@ethereumjs/block";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { LightClient } from "../lib/light";
import { cliqueCommon } from "../lib/light/header";
import { removeTempDirs, tempDir } from "./support/cli";
import { freePort } from "./support/ports";

const chainId = 4444n;
const common = cliqueCommon(chainId);
const signers = [0, 1, 2].map(() => new Wallet(Wallet.createRandom().privateKey)).sort((a, b) => a.address.toLowerCase().localeCompare(b.address.toLowerCase()));
const start = BigInt(Math.floor(Date.now() / 1000) - 3000); // room for 2 100 one-second blocks before now
const extra0 = hexToBytes(`0x${"00".repeat(32)}${signers.map((s) => s.address.slice(2).toLowerCase()).join("")}${"00".repeat(65)}` as `0x${string}`);
const genesis = createBlockHeader({ number: 0n, timestamp: start, gasLimit: 30_000_000n, difficulty: 1n, extraData: extra0, baseFeePerGas: 1_000_000_000n }, { common });

/** Extends `chain` to `to`; `inTurn` seals block n by signer n % 3 (difficulty 2), else by (n + 1) % 3 (difficulty 1). */
function extend(chain: BlockHeader[], to: number, inTurn: boolean, salt = 0): BlockHeader[] {
  const out = [...chain];
  while (out.length <= to) {
    const parent = out.at(-1)!;
    const n = parent.number + 1n;
    const sealer = signers[Number((n + (inTurn ? 0n : 1n)) % 3n)]!;
    out.push(createSealedCliqueBlockHeader(
      { parentHash: parent.hash(), number: n, timestamp: parent.timestamp + 1n, gasLimit: parent.gasLimit, difficulty: inTurn ? 2n : 1n, extraData: new Uint8Array(97), baseFeePerGas: 1_000_000_000n, gasUsed: BigInt(salt) },
      hexToBytes(sealer.privateKey as `0x${string}`),
      { common, freeze: false },
    ));
  }
  return out;
}

let served: BlockHeader[] = [];
const json = (h: BlockHeader) => {
  const j = h.toJSON();
  return { hash: bytesToHex(h.hash()), parentHash: j.parentHash, sha3Uncles: j.uncleHash, miner: j.coinbase, stateRoot: j.stateRoot, transactionsRoot: j.transactionsTrie, receiptsRoot: j.receiptTrie, logsBloom: j.logsBloom, difficulty: j.difficulty, number: j.number, gasLimit: j.gasLimit, gasUsed: j.gasUsed, timestamp: j.timestamp, extraData: j.extraData, mixHash: j.mixHash, nonce: j.nonce, baseFeePerGas: j.baseFeePerGas };
};
const port = await freePort();
const server = Bun.serve({
  port, hostname: "127.0.0.1",
  async fetch(req) {
    const body = (await req.json()) as any;
    const answer = (c: any) => ({ jsonrpc: "2.0", id: c.id, result: c.method === "eth_blockNumber" ? `0x${(served.length - 1).toString(16)}` : served[Number(BigInt(c.params[0]))] ? json(served[Number(BigInt(c.params[0]))]!) : null });
    return Response.json(Array.isArray(body) ? body.map(answer) : answer(body));
  },
});
afterAll(() => {
  server.stop(true);
  removeTempDirs();
});

test("a heavier branch replaces the verified one from the fork point; a lighter one, even longer, is refused", async () => {
  const common5 = extend([genesis], 5, true);
  const a = extend(common5, 7, true); // +2 blocks in turn: +4 difficulty
  const lighter = extend(common5, 8, false, 1); // +3 blocks out of turn: +3
  const heavier = extend(common5, 10, false, 2); // +5 blocks out of turn: +5
  const client = new LightClient({ endpoints: [`http://127.0.0.1:${port}`], chainId, genesisHash: bytesToHex(genesis.hash()), storePath: join(tempDir(), "light.sqlite"), timeoutMs: 3000, freshMs: 0 });

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
  const options = { endpoints: [`http://127.0.0.1:${port}`], chainId, genesisHash: bytesToHex(genesis.hash()), storePath: path, timeoutMs: 3000, freshMs: 0, keepHeaders: 100 };
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
