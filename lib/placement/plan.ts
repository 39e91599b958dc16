// Decentralized placement: every agent runs this same deterministic greedy plan on the same chain state and claims
// only what the plan gives itself. The AppRegistry contract re-checks every claim with the same rule (rule.ts), so a
// stale or dishonest plan can waste a transaction but never place a replica wrongly.
import type { AppRecord } from "../chain/app-registry";
import type { NodeRecord } from "../chain/registry";
import { eligible, explainIneligible, ineligibility, rankNodes, take, usageByNode, type Ineligible, type PlacementNode } from "./rule";

export type Claim = { appId: string; app: string; replicas: number[] } | { appId: string; app: string; everyNode: true };

/** Members as placement sees them: declared CPU (cores × 1000) and memory, and labels. */
export function placementNodes(members: NodeRecord[]): PlacementNode[] {
  return members.map((m) => ({ address: m.address, labels: m.labels, cpuMilli: m.specs.cpuCores * 1000, memoryMB: m.specs.memoryMB }));
}

/** The whole cluster's plan for pending replicas: node address → its claims. */
export function planPlacement(apps: AppRecord[], nodes: PlacementNode[]): Map<string, Claim[]> {
  const usage = usageByNode(apps, nodes);
  const plan = new Map<string, Claim[]>();
  const add = (node: string, claim: Claim) => plan.set(node, [...(plan.get(node) ?? []), claim]);
  for (const app of [...apps].sort((a, b) => a.id.localeCompare(b.id))) {
    if (app.spec.everyNode) {
      for (const node of nodes) {
        if (!eligible(app, node, usage.get(node.address))) continue;
        take(usage.get(node.address), app); // what it books counts against the node's next claims in this plan
        add(node.address, { appId: app.id, app: app.name, everyNode: true });
      }
      continue;
    }
    const mine = new Map<string, number[]>();
    for (const r of app.replicas.filter((r) => r.node === null)) {
      const [best] = rankNodes(app, r.replica, nodes, usage);
      if (!best) continue;
      take(usage.get(best.address), app);
      mine.set(best.address, [...(mine.get(best.address) ?? []), r.replica]);
    }
    for (const [node, replicas] of mine) add(node, { appId: app.id, app: app.name, replicas });
  }
  return plan;
}

/** Why each pending replica of `app` has no node right now (for `app ls` and status), or null if one could take it. */
export function pendingReason(app: AppRecord, nodes: PlacementNode[], apps: AppRecord[]): string | null {
  const usage = usageByNode(apps, nodes);
  const reasons = nodes.map((n) => ineligibility(app, n, usage.get(n.address)));
  if (reasons.includes("None")) return null;
  if (nodes.length === 0) return "no members";
  const counts = new Map<Ineligible, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return `no eligible node: ${[...counts].map(([r, n]) => `${n} ${explainIneligible(r)}`).join(", ")}`;
}
