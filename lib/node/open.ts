// Opening this node's pieces from its config: the chain connection and the unlocked node key.
import type { Wallet } from "ethers";
import { connectChain, type ChainConnection } from "../chain";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { localGethUrl } from "../geth/full-node";
import { readPassword, unlockKeystore } from "../keys";

/** The chain as this node reads it: in full mode its own geth and nothing else, otherwise the `rpc` endpoints. */
export function openChain(config: LoadedConfig, extraEndpoints: string[] = [], expectChainId?: bigint): Promise<ChainConnection> {
  if (config.values.chain.mode !== "full") {
    return connectChain([...new Set([...config.values.chain.rpc, ...extraEndpoints])], config.values.chain.timeout_ms, expectChainId);
  }
  return connectChain([localGethUrl(config)], config.values.chain.timeout_ms, expectChainId).catch((err: unknown) => {
    throw err instanceof UserError ? new UserError(`${err.message}; in full mode this node's geth runs while \`edge-agent run\` does`) : err;
  });
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
