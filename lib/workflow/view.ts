// What one pass of the daemon knows about the cluster: members (liveness, reputation), apps, and the migrations still
// open, all read at one block through the ClusterReader. Every module of the daemon acts on the latest view.
import type { Migration } from "../chain";
import type { ClusterReader, ClusterState } from "../cluster/reader";
import { placementNodes } from "../placement/plan";
import type { PlacementNode } from "../placement/rule";
import { reputationScores, type Score } from "./reputation";

export type ClusterView = ClusterState & {
  nodes: PlacementNode[];
  scores: Map<string, Score>;
  open: Migration[];
  /** Blocks each later solver candidate waits after the one before it (the EventLogger's setting). */
  solverBlocks: number;
};

/** Reads views; remembers the oldest open migration so each read scans only from there. */
export class ViewReader {
  private scanFrom = 0;
  private solverBlocks: number | undefined;

  constructor(private readonly reader: ClusterReader) {}

  async read(): Promise<ClusterView> {
    const state = await this.reader.state();
    this.solverBlocks ??= await this.reader.events.solverBlocks();
    const recent = await this.reader.migrations(this.scanFrom, state.block);
    const open = recent.filter((e) => e.phase === "open");
    this.scanFrom = open[0]?.id ?? this.scanFrom + recent.length;
    return { ...state, nodes: placementNodes(state.members), scores: reputationScores(state.members), open, solverBlocks: this.solverBlocks };
  }
}

export const isAlive = (view: ClusterState, address: string): boolean => view.members.find((m) => m.address === address)?.alive ?? false;
