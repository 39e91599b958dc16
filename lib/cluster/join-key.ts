// The join key a member keeps (encrypted, in its data dir): it re-issues tokens and refills the join budget.
import { connectSigner } from "../chain/signer";
import { formatEther, parseEther, type Wallet } from "ethers";
import { existsSync } from "node:fs";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { keystoreAddress, readPassword, unlockKeystore } from "../keys";
import { advertisedEndpoints, openChain, unlockNodeKey } from "../node/open";
import { fundJoinKey } from "./funding";
import { DeviceRegistry } from "../chain";
import { enodesOf, localGenesisSpec } from "../geth";
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
  const chainId = BigInt(config.values.cluster.chain_id);
  let enodes: string[] = [];
  if (config.values.chain.mode === "full") {
    // Every full member's enode, as registered on chain (the local geth answers while the daemon runs).
    const { provider } = await openChain(config, [], chainId);
    enodes = (await new DeviceRegistry(registry, provider).nodes()).flatMap((n) => enodesOf(n.endpoints));
    provider.destroy();
  }
  return joinTokenOf(config, { chainId, registry, joinKey: joinKey.privateKey, genesisHash: config.values.cluster.genesis_hash, enodes });
}

/** A join token for this node's cluster; a full node adds its chain's genesis parameters, `enodes` and the seal policy. */
export function joinTokenOf(config: LoadedConfig, t: { chainId: bigint; registry: string; joinKey: string; genesisHash: string; enodes: string[] }): string {
  const full = config.values.chain.mode === "full";
  return encodeJoinToken({
    chainId: t.chainId,
    registry: t.registry,
    endpoints: advertisedEndpoints(config),
    joinKey: t.joinKey,
    genesisHash: t.genesisHash,
    ...(full ? { chain: { genesis: localGenesisSpec(config), enodes: t.enodes, fullNodesSeal: config.values.cluster.full_nodes_seal } } : {}),
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
