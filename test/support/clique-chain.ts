// Clique header chains sealed here with @ethereumjs/block and served over JSON-RPC by a small Bun server: for light
// client tests and benches that need forks or thousands of blocks, which a real 1 s geth chain cannot make on demand.
import { createBlockHeader, createSealedCliqueBlockHeader, type BlockHeader } from "@ethereumjs/block";
import { hexToBytes } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { cliqueCommon, rpcHeaderOf } from "../../lib/light/header";
import { freePort } from "./ports";

export type CliqueChain = {
  chainId: bigint;
  signers: Wallet[]; // sorted by address, as Clique orders them
  genesis: BlockHeader;
  /** `chain` extended to block `to`: block n sealed by signer n % 3 in turn (difficulty 2), else by (n + 1) % 3 (1). */
  extend(chain: BlockHeader[], to: number, inTurn: boolean, salt?: number): BlockHeader[];
};

/** A chain of three signers whose genesis is `blocksBeforeNow` seconds old (one-second blocks stay in the past). */
export function cliqueChain(chainId: bigint, blocksBeforeNow: number): CliqueChain {
  const common = cliqueCommon(chainId);
  const signers = [0, 1, 2].map(() => new Wallet(Wallet.createRandom().privateKey)).sort((a, b) => a.address.toLowerCase().localeCompare(b.address.toLowerCase()));
  const extra0 = hexToBytes(`0x${"00".repeat(32)}${signers.map((s) => s.address.slice(2).toLowerCase()).join("")}${"00".repeat(65)}` as `0x${string}`);
  const start = BigInt(Math.floor(Date.now() / 1000) - blocksBeforeNow - 10);
  const genesis = createBlockHeader({ number: 0n, timestamp: start, gasLimit: 30_000_000n, difficulty: 1n, extraData: extra0, baseFeePerGas: 1_000_000_000n }, { common });
  const extend = (chain: BlockHeader[], to: number, inTurn: boolean, salt = 0) => {
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
  };
  return { chainId, signers, genesis, extend };
}

/** Serves eth_blockNumber, eth_chainId and eth_getBlockByNumber (batches too) from whatever `chain()` returns now. */
export async function serveChain(chainId: bigint, chain: () => BlockHeader[]): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const answer = (c: { id: number; method: string; params: string[] }) => {
    const headers = chain();
    const result = c.method === "eth_blockNumber" ? `0x${(headers.length - 1).toString(16)}`
      : c.method === "eth_chainId" ? `0x${chainId.toString(16)}`
      : headers[Number(BigInt(c.params[0]!))] ? rpcHeaderOf(headers[Number(BigInt(c.params[0]!))]!) : null;
    return { jsonrpc: "2.0", id: c.id, result };
  };
  const server = Bun.serve({
    port, hostname: "127.0.0.1",
    async fetch(req) {
      const body = (await req.json()) as Parameters<typeof answer>[0] | Parameters<typeof answer>[0][];
      return Response.json(Array.isArray(body) ? body.map(answer) : answer(body));
    },
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => server.stop(true) };
}
