// Opening this node's pieces from its config: the chain connection and the unlocked node key.
import type { Wallet } from "ethers";
import { join } from "node:path";
import { connectChain, type ChainConnection } from "../chain";
import { readMembership } from "../cluster/membership";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { localGethUrl } from "../geth/full-node";
import { readPassword, unlockKeystore } from "../keys";

/** What a connection must match; each defaults to this node's recorded cluster (none before create/join). */
export type ChainTarget = { endpoints?: string[]; chainId?: bigint; genesisHash?: string };

/**
 * The chain as this node reads it, for every command and the daemon: in full mode its own geth and nothing else; in
 * light mode a provider that verifies every answer against a header chain checked from the cluster's genesis hash; in
 * dev mode the first endpoint that answers ([chain] rpc, then the members' endpoints the join token carried).
 */
export async function openChain(config: LoadedConfig, target: ChainTarget = {}): Promise<ChainConnection> {
  const { chain } = config.values;
  const membership = readMembership(config);
  const chainId = target.chainId ?? membership?.chainId;
  if (chain.mode === "full") {
    return connectChain([localGethUrl(config)], chain.timeout_ms, chainId).catch((err: unknown) => {
      throw err instanceof UserError ? new UserError(`${err.message}; in full mode this node's geth runs while \`edge-agent run\` does`) : err;
    });
  }
  const urls = [...new Set([...chain.rpc, ...(membership?.endpoints ?? []), ...(target.endpoints ?? [])])];
  if (chain.mode === "light") {
    const { connectLight } = await import("../light");
    return connectLight({
      endpoints: urls,
      genesisHash: target.genesisHash || membership?.genesisHash || "",
      chainId,
      storePath: join(config.files.dataDir, "light.sqlite"),
      timeoutMs: chain.timeout_ms,
    });
  }
  return connectChain(urls, chain.timeout_ms, chainId);
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
