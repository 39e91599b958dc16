// The join key a member keeps (encrypted, in its data dir): it re-issues tokens and refills the join budget.
import { connectSigner } from "../chain/signer";
import { formatEther, parseEther, type Wallet } from "ethers";
import { existsSync } from "node:fs";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { keystoreAddress, readPassword, unlockKeystore } from "../keys";
import { advertisedEndpoints, openChain, unlockNodeKey } from "../node/open";
import { fundJoinKey } from "./funding";
import { encodeJoinToken } from "./token";

function requireCluster(config: LoadedConfig): string {
  const { registry } = config.values.cluster;
  if (!registry) throw new UserError("this node is not in a cluster: run `edge-agent cluster create` or `edge-agent join`");
  if (!existsSync(config.files.joinKey)) throw new UserError(`no join key at ${config.files.joinKey}: it is written by \`cluster create\` and \`join\``);
  return registry;
}

export async function currentJoinToken(config: LoadedConfig): Promise<string> {
  const registry = requireCluster(config);
  const joinKey: Wallet = await unlockKeystore(config.files.joinKey, readPassword(config.files.passwordFile));
  return encodeJoinToken({
    chainId: BigInt(config.values.cluster.chain_id),
    registry,
    endpoints: advertisedEndpoints(config),
    joinKey: joinKey.privateKey,
  });
}

/** Sends `eth` from this node to the join key; returns the join key's new balance in ETH. */
export async function refillJoinBudget(config: LoadedConfig, eth: string): Promise<string> {
  requireCluster(config);
  const joinKey = keystoreAddress(config.files.joinKey);
  const { provider } = await openChain(config, [], BigInt(config.values.cluster.chain_id));
  const wallet = connectSigner(await unlockNodeKey(config), provider);
  await fundJoinKey(wallet, joinKey, parseEther(eth));
  return formatEther(await provider.getBalance(joinKey));
}
