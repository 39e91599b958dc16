// Light mode's one public face: a chain connection whose provider verifies everything the agent reads.
import { UserError } from "../errors";
import { logger } from "../agent/log";
import type { ChainConnection } from "../chain";
import { VerificationError } from "./errors";
import { LightProvider } from "./provider";
import { rpcCall } from "./rpc";

export { LightProvider } from "./provider";
export { LightClient } from "./client";
export { VerificationError } from "./errors";

export type LightConnectOptions = { endpoints: string[]; genesisHash: string; chainId?: bigint; storePath: string; timeoutMs: number };

/** Opens the verifying provider and verifies the header chain up to an endpoint's head before anything is read. */
export async function connectLight(o: LightConnectOptions): Promise<ChainConnection> {
  if (!o.genesisHash) throw new UserError("light mode needs the cluster's genesis hash (recorded by `join` from the token): join the cluster first");
  const chainId = o.chainId ?? (await firstChainId(o.endpoints, o.timeoutMs));
  const provider = new LightProvider({ endpoints: o.endpoints, chainId, genesisHash: o.genesisHash, storePath: o.storePath, timeoutMs: o.timeoutMs, log: logger("light") });
  try {
    await provider.light.sync();
  } catch (err) {
    provider.destroy();
    if (err instanceof VerificationError) throw new UserError(`cannot verify the chain: ${err.message}`);
    throw err;
  }
  return { provider, url: provider.url, chainId, light: provider.light };
}

/** The chain id is bound by the genesis hash anyway; the first endpoint that answers names it. */
async function firstChainId(endpoints: string[], timeoutMs: number): Promise<bigint> {
  for (const url of endpoints) {
    try {
      return BigInt((await rpcCall(url, "eth_chainId", [], timeoutMs)) as string);
    } catch {
      // try the next
    }
  }
  throw new UserError(`cannot reach the chain: ${endpoints.join(", ")}`);
}
