// Opening this node's pieces from its config: the chain connection and the unlocked node key.
import type { Wallet } from "ethers";
import { connectChain, type ChainConnection } from "../chain";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { localGethUrl } from "../geth/full-node";
import { readPassword, unlockKeystore } from "../keys";
import { join } from "node:path";

/**
 * The chain as this node reads it, for every command and the daemon: in full mode its own geth and nothing else; in
 * light mode a provider that verifies every answer against a header chain checked from `genesisHash` (default:
 * [cluster] genesis_hash); in dev mode the first `rpc` endpoint that answers.
 */
export async function openChain(config: LoadedConfig, extraEndpoints: string[] = [], expectChainId?: bigint, genesisHash?: string): Promise<ChainConnection> {
  const { chain, cluster } = config.values;
  if (chain.mode === "full") {
    return connectChain([localGethUrl(config)], chain.timeout_ms, expectChainId).catch((err: unknown) => {
      throw err instanceof UserError ? new UserError(`${err.message}; in full mode this node's geth runs while \`edge-agent run\` does`) : err;
    });
  }
  const urls = [...new Set([...chain.rpc, ...extraEndpoints])];
  if (chain.mode === "light") {
    const { connectLight } = await import("../light");
    return connectLight({
      endpoints: urls,
      genesisHash: genesisHash || cluster.genesis_hash,
      chainId: expectChainId ?? (cluster.chain_id ? BigInt(cluster.chain_id) : undefined),
      storePath: join(config.files.dataDir, "light.sqlite"),
      timeoutMs: chain.timeout_ms,
    });
  }
  return connectChain(urls, chain.timeout_ms, expectChainId);
}

export function unlockNodeKey(config: LoadedConfig): Promise<Wallet> {
  return unlockKeystore(config.files.keystore, readPassword(config.files.passwordFile));
}

/** RPC endpoints this node offers to peers: advertise_rpc, else its own geth (full mode) or its rpc list. */
export function advertisedEndpoints(config: LoadedConfig): string[] {
  const { advertise_rpc, rpc, mode } = config.values.chain;
  if (advertise_rpc.length > 0) return advertise_rpc;
  return mode === "full" ? [localGethUrl(config)] : rpc;
}
