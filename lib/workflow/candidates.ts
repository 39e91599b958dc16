// Who should solve a migration: the public ranking every agent computes from chain data alone. The filer names the
// first candidate as the designated solver; later candidates take their turn, in order, when the one before lets its
// window pass. The ranking is the placement rule's (lib/placement/rule.ts) with reputation as the second key.
import type { AppRecord } from "../chain";
import { rankNodes, usageByNode } from "../placement/rule";
import type { ClusterView } from "./view";

type RankingInput = Pick<ClusterView, "apps" | "nodes" | "scores"> & { members: ReadonlyArray<{ address: string; alive: boolean }> };

/** Eligible, alive members other than `from`, best first. */
export function rankSolvers(view: RankingInput, app: AppRecord, replica: number, from: string): string[] {
  const alive = new Set(view.members.filter((m) => m.alive).map((m) => m.address));
  const scores = new Map([...view.scores].map(([a, s]) => [a, s.score]));
  const candidates = view.nodes.filter((n) => n.address !== from && alive.has(n.address));
  return rankNodes(app, replica, candidates, usageByNode(view.apps, view.nodes), { scores, salt: from }).map((n) => n.address);
}

/**
 * Whether it is `me`'s turn to solve migration `e` at the view's block: the designated solver until designatedUntil,
 * then each next candidate of the ranking (without the designated one) for solverBlocks blocks more than the one before.
 */
export function isTurnOf(me: string, view: ClusterView, e: ClusterView["open"][number], app: AppRecord): boolean {
  if (e.from === me || view.block >= e.deadline) return false;
  if (e.designated === me) return true;
  if (view.block <= e.designatedUntil) return false;
  const next = rankSolvers(view, app, e.replica, e.from).filter((a) => a !== e.designated);
  const k = next.indexOf(me);
  return k >= 0 && view.block > e.designatedUntil + k * view.solverBlocks;
}
