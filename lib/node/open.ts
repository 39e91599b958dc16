// Opening this node's pieces from its config: the chain connection and the unlocked node key.
import type { Wallet } from "ethers";
import { connectChain, type ChainConnection } from "../chain";
import type { LoadedConfig } from "../config";
import { readPassword, unlockKeystore } from "../keys";
import { join } from "node:path";

/**
 * The chain connection every command and the daemon use. In light mode its provider verifies every answer against a
 * header chain checked from `genesisHash` (default: [cluster] genesis_hash); otherwise it is the first endpoint that answers.
 */
export async function openChain(config: LoadedConfig, extraEndpoints: string[] = [], expectChainId?: bigint, genesisHash?: string): Promise<ChainConnection> {
  const urls = [...new Set([...config.values.chain.rpc, ...extraEndpoints])];
  const { chain, cluster } = config.values;
  if (chain.mode === "light") {
    const { connectLight } = await import("../light");
    return connectLight({
      endpoints: urls,
      genesisHash: genesisHash ?? cluster.genesis_hash,
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

/** Endpoints this node offers to peers: advertise_rpc, or its own rpc list. */
export function advertisedEndpoints(config: LoadedConfig): string[] {
  const { advertise_rpc, rpc } = config.values.chain;
  return advertise_rpc.length > 0 ? advertise_rpc : rpc;
}
