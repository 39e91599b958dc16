// Opening this node's pieces from its config: the chain connection and the unlocked node key.
import type { Wallet } from "ethers";
import { connectChain, type ChainConnection } from "../chain";
import type { LoadedConfig } from "../config";
import { readPassword, unlockKeystore } from "../keys";

export function openChain(config: LoadedConfig, extraEndpoints: string[] = [], expectChainId?: bigint): Promise<ChainConnection> {
  const urls = [...new Set([...config.values.chain.rpc, ...extraEndpoints])];
  return connectChain(urls, config.values.chain.timeout_ms, expectChainId);
}

export function unlockNodeKey(config: LoadedConfig): Promise<Wallet> {
  return unlockKeystore(config.files.keystore, readPassword(config.files.passwordFile));
}

/** Endpoints this node offers to peers: advertise_rpc, or its own rpc list. */
export function advertisedEndpoints(config: LoadedConfig): string[] {
  const { advertise_rpc, rpc } = config.values.chain;
  return advertise_rpc.length > 0 ? advertise_rpc : rpc;
}
