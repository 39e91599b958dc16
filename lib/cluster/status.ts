// What `status` reports: this node, the chain head, the members, the apps, and this node's replicas
// (from the daemon when it runs, else what the chain last heard).
import type { LoadedConfig } from "../config";
import type { ChainConnection, NodeRecord } from "../chain";
import { reputationScores, type Score } from "../workflow/reputation";
import { keystoreAddress } from "../keys";
import { openChain } from "../node/open";
import { readMembership } from "./membership";
import { ClusterReader } from "./reader";
import { bytesToHex } from "@ethereumjs/util";
import { viewApps, type AppView } from "../apps/ops";
import { connectDaemon } from "../api/client";
import type { DaemonStatus } from "../api/types";
import { gethDatadir, gethStatus, ipcPath, type GethStatus } from "../geth";

export type NodeReplica = { app: string; replica: number; version: number; state: string; reason: string };

/** The stable shape of `edge-agent status --json` (documented in the README). */
export type StatusReport = {
  node: { name: string; address: string; membership: "member" | "not-member" | "no-cluster" };
  chain: {
    mode: "dev" | "light" | "full"; endpoint: string; chainId: string; head: { number: number; timestamp: number; ageSeconds: number };
    /** Light mode: the header chain verified here (Clique seals from the genesis hash) and responses rejected so far. */
    verified?: { head: number; hash: string; signers: string[]; rejections: number };
    /** Full mode: the local geth as it answers on IPC (null: not running). */
    geth?: GethStatus | null;
  };
  cluster: {
    registry: string;
    evictionQuorum: number;
    members: Array<NodeRecord & { self: boolean; alive: boolean; lastSeen: number; reputation: Score }>;
  } | null;
  apps: AppView[];
  daemon: Omit<DaemonStatus, "replicas"> | null;
  /** This node's replicas: desired (chain or the daemon's database) next to actual (Docker, via the daemon). */
  replicas: { source: "daemon" | "chain"; items: NodeReplica[] };
};

export async function readStatus(config: LoadedConfig): Promise<StatusReport> {
  const address = keystoreAddress(config.files.keystore);
  const daemon = await connectDaemon(config).then((d) => d?.get<DaemonStatus>("/v1/status") ?? null);
  const membership = readMembership(config);
  const chain = await openChain(config);
  const { provider, url, chainId, light } = chain;
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
    apps: [],
    daemon: daemon && withoutReplicas(daemon),
    replicas: { source: daemon ? "daemon" : "chain", items: daemon ? daemon.replicas.map(({ app, replica, version, state, reason }) => ({ app, replica, version, state, reason })) : [] },
  };
  if (config.values.chain.mode === "full") report.chain.geth = await gethStatus(ipcPath(gethDatadir(config)), address);
  if (!membership) return withLight(report, light);

  const reader = await ClusterReader.at(chain, membership.registry);
  await reader.devices.verify();
  const [nodes, evictionQuorum, appRecords] = await Promise.all([reader.devices.members(head.number), reader.devices.evictionQuorum(head.number), reader.apps.snapshot(head.number)]);
  const scores = reputationScores(nodes);
  const members = nodes.map(({ outcomes: _, ...n }) => ({ ...n, self: n.address === address, reputation: scores.get(n.address)! }));
  report.node.membership = members.some((m) => m.self) ? "member" : "not-member";
  report.cluster = { registry: membership.registry, evictionQuorum, members };
  report.apps = viewApps(appRecords, nodes);
  if (!daemon) {
    report.replicas.items = appRecords.flatMap((a) =>
      a.replicas.filter((r) => r.node === address).map((r) => ({ app: a.name, replica: r.replica, version: a.version, state: r.state === "pending" ? "assigned" : r.state, reason: r.reason })),
    );
  }
  return withLight(report, light);
}

/** In light mode: the endpoint that gave the last verified answer and the verified head. */
function withLight(report: StatusReport, light: ChainConnection["light"]): StatusReport {
  const head = light?.head;
  if (!light || !head) return report;
  report.chain.endpoint = light.url;
  report.chain.verified = { head: Number(head.header.number), hash: bytesToHex(head.header.hash()), signers: head.snapshot.signers, rejections: light.rejections.length };
  return report;
}

function withoutReplicas({ replicas: _, ...rest }: DaemonStatus): Omit<DaemonStatus, "replicas"> {
  return rest;
}
