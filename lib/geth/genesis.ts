// The cluster chain's genesis: a Clique (proof-of-authority) genesis for geth v1.13.15, built deterministically from a
// few parameters so that a join token can carry the parameters and every joiner rebuilds the very same block 0.
// Rules: london at block 0 (EIP-1559 fees), no shanghai/cancun (geth 1.13's Clique cannot seal them; contracts target paris).
import { getAddress, toBeHex } from "ethers";

export type GenesisParams = {
  chainId: bigint;
  /** Clique block period in seconds (0: seal only when there are transactions). */
  periodSeconds: number;
  /** Blocks between Clique checkpoints (votes reset, signer list in extraData). */
  epoch: number;
  /** Initial signers (the creating node). */
  signers: string[];
  /** Accounts funded in block 0, wei by address (the creator, who pays for the contracts and the join budget). */
  alloc: Record<string, bigint>;
  /** Unix seconds of block 0. */
  timestamp: number;
  gasLimit: bigint;
};

export const DEFAULT_EPOCH = 30_000;
export const DEFAULT_GAS_LIMIT = 30_000_000n;
/** What `cluster create` puts in the creator's account: enough for every transaction the cluster will ever need. */
export const CREATOR_ALLOC_WEI = 10n ** 9n * 10n ** 18n; // 1e9 ETH

/** geth's genesis JSON (the file `geth init` reads). */
export type GethGenesis = ReturnType<typeof cliqueGenesis>;

export function cliqueGenesis(p: GenesisParams) {
  const signers = p.signers.map((a) => getAddress(a).toLowerCase().slice(2)).sort();
  const alloc: Record<string, { balance: string }> = {};
  for (const [address, wei] of Object.entries(p.alloc)) alloc[getAddress(address).toLowerCase().slice(2)] = { balance: toBeHex(wei) };
  return {
    config: {
      chainId: Number(p.chainId),
      homesteadBlock: 0,
      eip150Block: 0,
      eip155Block: 0,
      eip158Block: 0,
      byzantiumBlock: 0,
      constantinopleBlock: 0,
      petersburgBlock: 0,
      istanbulBlock: 0,
      berlinBlock: 0,
      londonBlock: 0,
      clique: { period: p.periodSeconds, epoch: p.epoch },
    },
    nonce: "0x0",
    timestamp: toBeHex(p.timestamp),
    // 32 bytes of vanity, the signers (20 bytes each, sorted), 65 bytes for the (absent) seal.
    extraData: "0x" + "00".repeat(32) + signers.join("") + "00".repeat(65),
    gasLimit: toBeHex(p.gasLimit),
    difficulty: "0x1",
    mixHash: "0x" + "00".repeat(32),
    coinbase: "0x" + "00".repeat(20),
    alloc,
    number: "0x0",
    gasUsed: "0x0",
    parentHash: "0x" + "00".repeat(32),
  };
}

/** The compact form a join token carries; `genesisFromToken` rebuilds the same JSON from it. */
export type GenesisSpec = { period: number; epoch: number; signer: string; time: number; gas: string; alloc: [string, string][] };

export function genesisSpecOf(p: GenesisParams): GenesisSpec {
  if (p.signers.length !== 1) throw new Error("a cluster genesis has exactly one initial signer");
  return {
    period: p.periodSeconds,
    epoch: p.epoch,
    signer: getAddress(p.signers[0]!),
    time: p.timestamp,
    gas: p.gasLimit.toString(),
    alloc: Object.entries(p.alloc).map(([a, wei]) => [getAddress(a), wei.toString()]),
  };
}

export function genesisParamsOf(chainId: bigint, s: GenesisSpec): GenesisParams {
  return {
    chainId,
    periodSeconds: s.period,
    epoch: s.epoch,
    signers: [s.signer],
    timestamp: s.time,
    gasLimit: BigInt(s.gas),
    alloc: Object.fromEntries(s.alloc.map(([a, wei]) => [a, BigInt(wei)])),
  };
}

/** The compact spec of a genesis JSON written by `cliqueGenesis` (read back from a datadir). */
export function genesisSpecFromJson(g: GethGenesis): GenesisSpec {
  const extra = g.extraData.slice(2 + 64, -130);
  if (extra.length !== 40) throw new Error("a cluster genesis has exactly one initial signer");
  return {
    period: g.config.clique.period,
    epoch: g.config.clique.epoch,
    signer: getAddress("0x" + extra),
    time: Number(g.timestamp),
    gas: BigInt(g.gasLimit).toString(),
    alloc: Object.entries(g.alloc).map(([a, { balance }]) => [getAddress("0x" + a), BigInt(balance).toString()]),
  };
}
