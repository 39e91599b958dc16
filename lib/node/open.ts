// Opening this node's pieces from its config: the chain connection and the unlocked node key.
import type { Wallet } from "ethers";
import { connectChain, type ChainConnection } from "../chain";
import type { LoadedConfig } from "../config";
import { localGethUrl } from "../geth/full-node";
import { readPassword, unlockKeystore } from "../keys";

/** The chain as this node reads it: in full mode its own geth and nothing else, otherwise the `rpc` endpoints. */
export function openChain(config: LoadedConfig, extraEndpoints: string[] = [], expectChainId?: bigint): Promise<ChainConnection> {
  const urls = config.values.chain.mode === "full" ? [localGethUrl(config)] : [...new Set([...config.values.chain.rpc, ...extraEndpoints])];
  return connectChain(urls, config.values.chain.timeout_ms, expectChainId);
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
