// `cluster evict NODE`: this member's vote to evict another; the registry removes the node at a strict majority.
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { ClusterClient } from "./client";

export type EvictionVote = { target: string; name: string; evicted: boolean; gasUsed: bigint };

export async function voteToEvict(config: LoadedConfig, nameOrAddress: string): Promise<EvictionVote> {
  const client = await ClusterClient.open(config);
  try {
    const target = (await client.reader.devices.nodes()).find((n) => n.name === nameOrAddress || n.address.toLowerCase() === nameOrAddress.toLowerCase());
    if (!target) throw new UserError(`no member named or addressed "${nameOrAddress}" in cluster ${client.reader.registry}`);
    const receipt = await client.devices.voteEvict(target.address);
    return { target: target.address, name: target.name, evicted: !(await client.reader.devices.isMember(target.address)), gasUsed: receipt.gasUsed };
  } finally {
    client.destroy();
  }
}
