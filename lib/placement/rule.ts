// The placement rule, once, in TypeScript: whether a node may take one more replica of an app, and how eligible nodes
// rank. The reasons are the AppRegistry contract's `Ineligible` enum, by the names the ABI build gives them, and the
// checks run in the contract's order, so `ineligibility` answers exactly what `AppRegistry.eligibility()` answers
// (test/unit/placement-agreement.test.ts holds both to that on random clusters). The planner, `app ls` and the
// migration solver ranking all call this file; nothing else decides eligibility.
import { createHash } from "node:crypto";
import type { AppRecord } from "../chain/app-registry";
import { enumMembers } from "../chain/abi";

export type Ineligible = ReturnType<typeof enumMembers<"AppRegistry.Ineligible">>[number];

/** A member as placement sees it: its declared capacity and labels. */
export type PlacementNode = { address: string; labels: Record<string, string>; cpuMilli: number; memoryMB: number };

/** What a node already holds, from the assignments on chain. */
export type Usage = { cpu: number; mem: number; ports: Set<string>; held: Map<string, number> };

const EXPLANATIONS: Record<Ineligible, string> = {
  None: "eligible",
  NotMember: "not a member",
  PinnedElsewhere: "pinned elsewhere",
  MissingLabel: "missing label",
  AlreadyHoldsOne: "already holds one",
  NoCpuLeft: "no CPU left",
  NoMemoryLeft: "no memory left",
  HostPortTaken: "host port taken",
};

/** The reason in words, as `app ls` and error lines print it. */
export const explainIneligible = (reason: Ineligible): string => EXPLANATIONS[reason];

/** Whether the app's own constraints (pin, selector) admit `node` at all, whatever it holds: "None" if they do. */
export function selects(app: AppRecord, node: PlacementNode): Ineligible {
  const s = app.spec;
  if (s.pin && s.pin !== node.address) return "PinnedElsewhere";
  for (const [k, v] of Object.entries(s.selector)) if (node.labels[k] !== v) return "MissingLabel";
  return "None";
}

/** Why `node` cannot take one more replica of `app` given what it holds, or "None" if it can. */
export function ineligibility(app: AppRecord, node: PlacementNode | undefined, usage: Usage | undefined): Ineligible {
  if (!node || !usage) return "NotMember";
  const s = app.spec;
  const constraint = selects(app, node);
  if (constraint !== "None") return constraint;
  if ((s.spread || s.everyNode) && (usage.held.get(app.id) ?? 0) > 0) return "AlreadyHoldsOne";
  if (usage.cpu + s.cpuMilli > node.cpuMilli) return "NoCpuLeft";
  if (usage.mem + s.memoryMB > node.memoryMB) return "NoMemoryLeft";
  if (s.ports.some((p) => usage.ports.has(portKey(p)))) return "HostPortTaken";
  return "None";
}

export const eligible = (app: AppRecord, node: PlacementNode | undefined, usage: Usage | undefined): boolean => ineligibility(app, node, usage) === "None";

/** Resources each member already holds, from the assignments on chain. */
export function usageByNode(apps: AppRecord[], nodes: PlacementNode[]): Map<string, Usage> {
  const usage = new Map(nodes.map((n) => [n.address, emptyUsage()]));
  for (const app of apps) for (const r of app.replicas) if (r.node) take(usage.get(r.node), app);
  return usage;
}

/** Books one more replica of `app` on a node's usage (for plans that place several replicas in one pass). */
export function take(u: Usage | undefined, app: AppRecord): void {
  if (!u) return; // assigned to a node that is no longer a member
  u.cpu += app.spec.cpuMilli;
  u.mem += app.spec.memoryMB;
  for (const p of app.spec.ports) u.ports.add(portKey(p));
  u.held.set(app.id, (u.held.get(app.id) ?? 0) + 1);
}

/**
 * Eligible nodes for one more replica of `app`, best first: fewest replicas of the app (spread even without
 * --spread), then the higher reputation when `scores` are given (migrations), then the lighter load after taking it,
 * then a hash of (app, replica, salt, node), so ties break alike on every agent but differently per replica and event.
 */
export function rankNodes(app: AppRecord, replica: number, nodes: PlacementNode[], usage: Map<string, Usage>, opts: { scores?: Map<string, number>; salt?: string } = {}): PlacementNode[] {
  return nodes
    .filter((n) => eligible(app, n, usage.get(n.address)))
    .map((n) => ({ n, key: rankKey(app, replica, n, usage.get(n.address)!, opts) }))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || (a.key[3] < b.key[3] ? -1 : a.key[3] > b.key[3] ? 1 : 0))
    .map((c) => c.n);
}

function rankKey(app: AppRecord, replica: number, node: PlacementNode, u: Usage, opts: { scores?: Map<string, number>; salt?: string }): [number, number, number, string] {
  const load = (node.memoryMB ? (u.mem + app.spec.memoryMB) / node.memoryMB : 0) + (node.cpuMilli ? (u.cpu + app.spec.cpuMilli) / node.cpuMilli : 0);
  const tie = createHash("sha256").update(`${app.id}/${replica}/${opts.salt ?? ""}/${node.address.toLowerCase()}`).digest("hex");
  return [u.held.get(app.id) ?? 0, -Math.round((opts.scores?.get(node.address) ?? 0) * 100), Math.round(load * 1e6), tie];
}

const emptyUsage = (): Usage => ({ cpu: 0, mem: 0, ports: new Set(), held: new Map() });
const portKey = (p: { protocol: string; host: number }) => `${p.protocol}/${p.host}`;
