// The join key a member keeps (encrypted, in its data dir): it re-issues tokens and refills the join budget.
import { connectSigner } from "../chain/signer";
import { formatEther, parseEther, type Wallet } from "ethers";
import { existsSync } from "node:fs";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { keystoreAddress, readPassword, unlockKeystore } from "../keys";
import { advertisedEndpoints, unlockNodeKey } from "../node/open";
import { fundJoinKey } from "./funding";
import { enodesOf, localGenesisSpec } from "../geth";
import { encodeJoinToken } from "./token";
import { requireMembership, type Membership } from "./membership";
import { ClusterReader } from "./reader";

function requireJoinKey(config: LoadedConfig): Membership {
  const membership = requireMembership(config);
  if (!existsSync(config.files.joinKey)) throw new UserError(`no join key at ${config.files.joinKey}: it is written by \`cluster create\` and \`join\``);
  return membership;
}

export async function currentJoinToken(config: LoadedConfig): Promise<string> {
  const membership = requireJoinKey(config);
  const joinKey: Wallet = await unlockKeystore(config.files.joinKey, readPassword(config.files.passwordFile));
  let enodes: string[] = [];
  if (config.values.chain.mode === "full") {
    // Every full member's enode, as registered on chain (the local geth answers while the daemon runs).
    const reader = await ClusterReader.open(config);
    enodes = (await reader.devices.nodes()).flatMap((n) => enodesOf(n.endpoints));
    reader.destroy();
  }
  return joinTokenOf(config, membership, { joinKey: joinKey.privateKey, enodes });
}

/** A join token for this node's cluster; a full node adds its chain's genesis parameters, `enodes` and the seal policy. */
export function joinTokenOf(config: LoadedConfig, m: Membership, t: { joinKey: string; enodes: string[] }): string {
  const full = config.values.chain.mode === "full";
  return encodeJoinToken({
    chainId: m.chainId,
    registry: m.registry,
    endpoints: advertisedEndpoints(config),
    joinKey: t.joinKey,
    genesisHash: m.genesisHash,
    ...(full ? { chain: { genesis: localGenesisSpec(config), enodes: t.enodes, fullNodesSeal: m.fullNodesSeal } } : {}),
  });
}

/** Sends `eth` from this node to the join key; returns the join key's new balance in ETH. */
export async function refillJoinBudget(config: LoadedConfig, eth: string): Promise<string> {
  requireJoinKey(config);
  const joinKey = keystoreAddress(config.files.joinKey);
  const reader = await ClusterReader.open(config);
  try {
    const wallet = connectSigner(await unlockNodeKey(config), reader.provider);
    await fundJoinKey(wallet, joinKey, parseEther(eth));
    return formatEther(await reader.provider.getBalance(joinKey));
  } finally {
    reader.destroy();
  }
}
