// Decentralized placement: every agent runs this same deterministic greedy plan on the same chain state and
// claims only what the plan gives itself. The AppRegistry contract re-checks every claim (eligibility() below
// mirrors it), so a stale or dishonest plan can waste a transaction but never place a replica wrongly.
import { createHash } from "node:crypto";
import type { AppRecord } from "../chain";

export type PlacementNode = { address: string; labels: Record<string, string>; cpuMilli: number; memoryMB: number };

export type Claim = { appId: string; app: string; replicas: number[] } | { appId: string; app: string; everyNode: true };

type Usage = { cpu: number; mem: number; ports: Set<string>; held: Map<string, number> };

export type Ineligible = "pinned elsewhere" | "missing label" | "already holds one" | "no CPU left" | "no memory left" | "host port taken";

/** Why `node` cannot take one more replica of `app` given `usage`, or null if it can (same rules as the contract). */
export function ineligibility(app: AppRecord, node: PlacementNode, usage: Usage): Ineligible | null {
  const s = app.spec;
  if (s.pin && s.pin !== node.address) return "pinned elsewhere";
  for (const [k, v] of Object.entries(s.selector)) if (node.labels[k] !== v) return "missing label";
  if ((s.spread || s.everyNode) && (usage.held.get(app.id) ?? 0) > 0) return "already holds one";
  if (usage.cpu + s.cpuMilli > node.cpuMilli) return "no CPU left";
  if (usage.mem + s.memoryMB > node.memoryMB) return "no memory left";
  if (s.ports.some((p) => usage.ports.has(`${p.protocol}/${p.host}`))) return "host port taken";
  return null;
}

/** Resources each member already holds, from the assignments on chain. */
export function usageByNode(apps: AppRecord[], nodes: PlacementNode[]): Map<string, Usage> {
  const usage = new Map(nodes.map((n) => [n.address, { cpu: 0, mem: 0, ports: new Set<string>(), held: new Map<string, number>() } as Usage]));
  for (const app of apps) for (const r of app.replicas) if (r.node) take(usage.get(r.node), app);
  return usage;
}

function take(u: Usage | undefined, app: AppRecord): void {
  if (!u) return; // assigned to a node that is no longer a member
  u.cpu += app.spec.cpuMilli;
  u.mem += app.spec.memoryMB;
  for (const p of app.spec.ports) u.ports.add(`${p.protocol}/${p.host}`);
  u.held.set(app.id, (u.held.get(app.id) ?? 0) + 1);
}

/** The whole cluster's plan for pending replicas: node address → its claims. */
export function planPlacement(apps: AppRecord[], nodes: PlacementNode[]): Map<string, Claim[]> {
  const usage = usageByNode(apps, nodes);
  const plan = new Map<string, Claim[]>();
  const add = (node: string, claim: Claim) => plan.set(node, [...(plan.get(node) ?? []), claim]);
  for (const app of [...apps].sort((a, b) => a.id.localeCompare(b.id))) {
    if (app.spec.everyNode) {
      for (const node of nodes) if (!ineligibility(app, node, usage.get(node.address)!)) add(node.address, { appId: app.id, app: app.name, everyNode: true });
      continue;
    }
    const mine = new Map<string, number[]>();
    for (const r of app.replicas.filter((r) => r.node === null)) {
      const best = nodes
        .filter((n) => !ineligibility(app, n, usage.get(n.address)!))
        .map((n) => ({ n, key: rank(app, r.replica, n, usage.get(n.address)!) }))
        .sort((a, b) => compareKeys(a.key, b.key))[0];
      if (!best) continue;
      take(usage.get(best.n.address), app);
      mine.set(best.n.address, [...(mine.get(best.n.address) ?? []), r.replica]);
    }
    for (const [node, replicas] of mine) add(node, { appId: app.id, app: app.name, replicas });
  }
  return plan;
}

/** Why each pending replica of `app` has no node right now (for `app ls` and status), or null if one could take it. */
export function pendingReason(app: AppRecord, nodes: PlacementNode[], apps: AppRecord[]): string | null {
  const usage = usageByNode(apps, nodes);
  const reasons = nodes.map((n) => ineligibility(app, n, usage.get(n.address)!));
  if (reasons.some((r) => r === null)) return null;
  if (nodes.length === 0) return "no members";
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r!, (counts.get(r!) ?? 0) + 1);
  return `no eligible node: ${[...counts].map(([r, n]) => `${n} ${r}`).join(", ")}`;
}

// Fewest replicas of this app first (spread even without --spread), then the lightest load, then a hash of
// (app, replica, node) so ties break the same way on every agent but differently per replica.
function rank(app: AppRecord, replica: number, node: PlacementNode, u: Usage): [number, number, string] {
  const load = (node.memoryMB ? (u.mem + app.spec.memoryMB) / node.memoryMB : 0) + (node.cpuMilli ? (u.cpu + app.spec.cpuMilli) / node.cpuMilli : 0);
  const tie = createHash("sha256").update(`${app.id}/${replica}/${node.address.toLowerCase()}`).digest("hex");
  return [u.held.get(app.id) ?? 0, Math.round(load * 1e6), tie];
}

function compareKeys(a: [number, number, string], b: [number, number, string]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2].localeCompare(b[2]);
}
