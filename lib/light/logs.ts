// eth_getLogs, verified: the endpoint's answer names the blocks that hold matching logs; each such block's receipts
// (eth_getBlockReceipts) must rebuild the receipts root of the block's verified header, and the logs returned for it
// must be exactly the matching logs of those receipts. Not checked: a block whose logs the endpoint leaves out
// altogether (the daemon re-reads verified state every resync anyway).
import type { BlockHeader } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToUnpaddedBytes, bytesToHex, concatBytes, hexToBytes } from "@ethereumjs/util";
import { VerificationError } from "./errors";
import { RpcError, TransportError, rpcCall, rpcResults } from "./rpc";

type RpcLog = { address: string; topics: string[]; data: string; blockNumber: string; blockHash: string; transactionHash: string; transactionIndex: string; logIndex: string; removed?: boolean };
type RpcReceipt = { type?: string; status: string; cumulativeGasUsed: string; logsBloom: string; logs: RpcLog[]; transactionHash: string; transactionIndex: string };
export type LogFilter = { address?: string | string[]; topics?: Array<string | string[] | null>; fromBlock?: string; toBlock?: string; blockHash?: string };

const hex = (s: string) => hexToBytes(s as `0x${string}`);

export async function verifiedLogs(url: string, filter: LogFilter, headerOf: (n: bigint) => Promise<BlockHeader>, timeoutMs: number): Promise<RpcLog[]> {
  const logs = (await rpcCall(url, "eth_getLogs", [filter], timeoutMs)) as RpcLog[];
  const blocks = [...new Set(logs.map((l) => l.blockNumber))];
  if (blocks.length === 0) return logs;
  let receipts: RpcReceipt[][];
  try {
    receipts = (await rpcResults(url, blocks.map((b) => ({ method: "eth_getBlockReceipts", params: [b] })), timeoutMs)) as RpcReceipt[][];
  } catch (err) {
    if (err instanceof RpcError) throw new TransportError(`eth_getBlockReceipts failed: ${err.message}`);
    throw err;
  }
  for (const [i, block] of blocks.entries()) {
    const header = await headerOf(BigInt(block));
    const where = `logs of block ${BigInt(block)}`;
    if (!Array.isArray(receipts[i])) throw new VerificationError(`${where}: no receipts`);
    if (bytesToHex(await receiptsRoot(receipts[i]!)) !== bytesToHex(header.receiptTrie)) throw new VerificationError(`${where}: the receipts do not hash to the verified receipts root`);
    const hash = bytesToHex(header.hash());
    const proven = receipts[i]!.flatMap((r) => r.logs.map((l) => ({ ...l, transactionHash: r.transactionHash }))).map((l, logIndex) => ({ ...l, logIndex: BigInt(logIndex) }));
    const want = proven.filter((l) => matches(filter, l)).map((l) => key(l.address, l.topics, l.data, l.transactionHash, l.logIndex));
    const got = logs.filter((l) => l.blockNumber === block).map((l) => {
      if (l.blockHash.toLowerCase() !== hash) throw new VerificationError(`${where}: block hash ${l.blockHash} is not the verified ${hash}`);
      return key(l.address, l.topics, l.data, l.transactionHash, BigInt(l.logIndex));
    });
    if (want.join() !== got.join()) throw new VerificationError(`${where}: the logs returned are not the matching logs of its receipts`);
  }
  return logs;
}

async function receiptsRoot(receipts: RpcReceipt[]): Promise<Uint8Array> {
  const trie = new MerklePatriciaTrie();
  for (const [i, r] of receipts.entries()) {
    const body = RLP.encode([
      BigInt(r.status) === 1n ? Uint8Array.of(1) : new Uint8Array(),
      bigIntToUnpaddedBytes(BigInt(r.cumulativeGasUsed)),
      hex(r.logsBloom),
      r.logs.map((l) => [hex(l.address), l.topics.map(hex), hex(l.data)]),
    ]);
    const type = Number(r.type ?? "0x0");
    await trie.put(RLP.encode(i), type === 0 ? body : concatBytes(Uint8Array.of(type), body));
  }
  return trie.root();
}

function matches(filter: LogFilter, log: { address: string; topics: string[] }): boolean {
  const addresses = filter.address === undefined ? [] : [filter.address].flat().map((a) => a.toLowerCase());
  if (addresses.length > 0 && !addresses.includes(log.address.toLowerCase())) return false;
  return (filter.topics ?? []).every((want, i) => {
    if (want === null) return true;
    const topic = log.topics[i]?.toLowerCase();
    return topic !== undefined && [want].flat().map((t) => t.toLowerCase()).includes(topic);
  });
}

function key(address: string, topics: string[], data: string, tx: string, logIndex: bigint): string {
  return [address.toLowerCase(), ...topics.map((t) => t.toLowerCase()), data.toLowerCase(), tx.toLowerCase(), logIndex].join("/");
}
