// What `status` reports: this node, the chain head, and the cluster's members, read from chain.
import type { LoadedConfig } from "../config";
import { DeviceRegistry, type NodeRecord } from "../chain";
import { keystoreAddress } from "../keys";
import { openChain } from "../node/open";

/** The stable shape of `edge-agent status --json` (documented in the README). */
export type StatusReport = {
  node: { name: string; address: string; membership: "member" | "not-member" | "no-cluster" };
  chain: { mode: "dev" | "light" | "full"; endpoint: string; chainId: string; head: { number: number; timestamp: number; ageSeconds: number } };
  cluster: { registry: string; evictionQuorum: number; members: Array<NodeRecord & { self: boolean }> } | null;
};

export async function readStatus(config: LoadedConfig): Promise<StatusReport> {
  const address = keystoreAddress(config.files.keystore);
  const { provider, url, chainId } = await openChain(config);
  const head = (await provider.getBlock("latest"))!;
  const report: StatusReport = {
    node: { name: config.values.node.name, address, membership: "no-cluster" },
    chain: {
      mode: config.values.chain.mode,
      endpoint: url,
      chainId: chainId.toString(),
      head: { number: head.number, timestamp: head.timestamp, ageSeconds: Math.max(0, Math.round(Date.now() / 1000 - head.timestamp)) },
    },
    cluster: null,
  };
  const registryAddress = config.values.cluster.registry;
  if (!registryAddress) return report;

  const registry = new DeviceRegistry(registryAddress, provider);
  await registry.verify();
  const [nodes, evictionQuorum] = await Promise.all([registry.nodes(), registry.evictionQuorum()]);
  const members = nodes.map((n) => ({ ...n, self: n.address === address }));
  report.node.membership = members.some((m) => m.self) ? "member" : "not-member";
  report.cluster = { registry: registryAddress, evictionQuorum, members };
  return report;
}
