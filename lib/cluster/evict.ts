// `cluster evict NODE`: this member's vote to evict another; the registry removes the node at a strict majority.
import { connectSigner } from "../chain/signer";
import { DeviceRegistry } from "../chain";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { openChain, unlockNodeKey } from "../node/open";

export type EvictionVote = { target: string; name: string; evicted: boolean; gasUsed: bigint };

export async function voteToEvict(config: LoadedConfig, nameOrAddress: string): Promise<EvictionVote> {
  const registryAddress = config.values.cluster.registry;
  if (!registryAddress) throw new UserError("this node is not in a cluster");
  const { provider } = await openChain(config, [], BigInt(config.values.cluster.chain_id));
  const wallet = connectSigner(await unlockNodeKey(config), provider);
  const registry = new DeviceRegistry(registryAddress, wallet);
  const target = (await registry.nodes()).find((n) => n.name === nameOrAddress || n.address.toLowerCase() === nameOrAddress.toLowerCase());
  if (!target) throw new UserError(`no member named or addressed "${nameOrAddress}" in cluster ${registryAddress}`);
  const receipt = await registry.voteEvict(target.address);
  return { target: target.address, name: target.name, evicted: !(await registry.isMember(target.address)), gasUsed: receipt.gasUsed };
}
