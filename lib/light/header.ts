// A block header as a JSON-RPC endpoint returns it, re-encoded and hashed here: a header whose fields do not hash to
// the hash the endpoint claims is rejected. Clique chains here run london rules (no shanghai/cancun: geth v1.13.15).
import { createBlockHeaderFromRPC, type BlockHeader } from "@ethereumjs/block";
import { createCustomCommon, Hardfork, Mainnet, type Common } from "@ethereumjs/common";
import { bigIntToHex, bytesToHex } from "@ethereumjs/util";
import { VerificationError } from "./errors";

/** geth's default Clique epoch: every 30 000th block is a checkpoint that lists the signers. */
export const CLIQUE_EPOCH = 30_000n;

export function cliqueCommon(chainId: bigint): Common {
  return createCustomCommon(
    { chainId: Number(chainId), consensus: { type: "poa", algorithm: "clique", clique: { period: 1, epoch: Number(CLIQUE_EPOCH) } } },
    Mainnet,
    { hardfork: Hardfork.London },
  );
}

/** The raw JSON object of eth_getBlockByNumber(n, false), as far as a header goes. */
export type RpcHeader = Record<string, unknown> & { hash: string; number: string; parentHash: string };

/** Parses `json` and checks that its fields hash to the hash it claims (and the number, when one was asked for). */
export function parseHeader(json: unknown, common: Common, expectNumber?: bigint): BlockHeader {
  if (typeof json !== "object" || json === null || typeof (json as RpcHeader).hash !== "string") {
    throw new VerificationError(`no header for block ${expectNumber ?? "?"}`);
  }
  let header: BlockHeader;
  try {
    header = createBlockHeaderFromRPC(json as never, { common, setHardfork: false });
  } catch (err) {
    throw new VerificationError(`malformed header ${(json as RpcHeader).hash}: ${(err as Error).message.split("\n")[0]}`);
  }
  const claimed = (json as RpcHeader).hash.toLowerCase();
  const actual = bytesToHex(header.hash());
  if (actual !== claimed) throw new VerificationError(`header ${header.number} claims hash ${claimed} but its fields hash to ${actual}`);
  if (expectNumber !== undefined && header.number !== expectNumber) throw new VerificationError(`asked for header ${expectNumber}, got ${header.number}`);
  return header;
}

/** A verified header in eth_getBlockByNumber's shape (no transactions: the light client keeps headers only). */
export function rpcHeaderOf(h: BlockHeader): Record<string, unknown> {
  return {
    hash: bytesToHex(h.hash()),
    parentHash: bytesToHex(h.parentHash),
    sha3Uncles: bytesToHex(h.uncleHash),
    miner: h.coinbase.toString(),
    stateRoot: bytesToHex(h.stateRoot),
    transactionsRoot: bytesToHex(h.transactionsTrie),
    receiptsRoot: bytesToHex(h.receiptTrie),
    logsBloom: bytesToHex(h.logsBloom),
    difficulty: bigIntToHex(h.difficulty),
    number: bigIntToHex(h.number),
    gasLimit: bigIntToHex(h.gasLimit),
    gasUsed: bigIntToHex(h.gasUsed),
    timestamp: bigIntToHex(h.timestamp),
    extraData: bytesToHex(h.extraData),
    mixHash: bytesToHex(h.mixHash),
    nonce: bytesToHex(h.nonce),
    baseFeePerGas: h.baseFeePerGas === undefined ? undefined : bigIntToHex(h.baseFeePerGas),
    transactions: [],
    uncles: [],
  };
}
