// Who should solve a migration: the public ranking every agent computes from chain data alone. The filer names
// the first candidate as the designated solver; later candidates take their turn when it lets its window pass.
import { createHash } from "node:crypto";
import type { AppRecord } from "../chain";
import { ineligibility, usageByNode, type PlacementNode } from "../placement/plan";
import type { Score } from "./reputation";

export type RankingInput = { apps: AppRecord[]; nodes: PlacementNode[]; alive: Map<string, boolean>; scores: Map<string, Score> };

/** Eligible, alive members other than `from`, best first: fewest replicas of the app, then higher reputation
 *  (among equally able nodes), then the lighter load, then a hash that differs per event. */
export function rankSolvers(input: RankingInput, app: AppRecord, replica: number, from: string): string[] {
  const usage = usageByNode(input.apps, input.nodes);
  return input.nodes
    .filter((n) => n.address !== from && input.alive.get(n.address) && !ineligibility(app, n, usage.get(n.address)!))
    .map((n) => {
      const u = usage.get(n.address)!;
      const load = (n.memoryMB ? u.mem / n.memoryMB : 0) + (n.cpuMilli ? u.cpu / n.cpuMilli : 0);
      const tie = createHash("sha256").update(`${app.id}/${replica}/${from}/${n.address}`).digest("hex");
      return { address: n.address, key: [u.held.get(app.id) ?? 0, -(input.scores.get(n.address)?.score ?? 0), Math.round(load * 1e6)] as number[], tie };
    })
    .sort((a, b) => a.key[0]! - b.key[0]! || a.key[1]! - b.key[1]! || a.key[2]! - b.key[2]! || a.tie.localeCompare(b.tie))
    .map((c) => c.address);
}
