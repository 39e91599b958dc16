// What the daemon's modules share: this node, its config and cluster, the local database, the Docker Engine, the one
// chain client, the bus they signal each other on, and the state the control API reports. Nothing else passes
// between modules; each one reads what it needs from here and says what it changed on the bus.
import type Docker from "dockerode";
import { EventEmitter } from "node:events";
import type { Wallet } from "ethers";
import type { ReplicaStatus } from "../apps/types";
import type { Membership } from "../cluster/membership";
import type { LoadedConfig } from "../config";
import { messageOf } from "../errors";
import type { ContainerRef } from "../monitor";
import type { Store } from "../store/store";
import type { ClusterView } from "../workflow/view";
import type { MigrationRequest } from "../workflow/workflow";
import type { ChainHandle } from "./chain-handle";
import { logger, type Log } from "./log";

/** The signals modules send each other. Level-triggered: a listener reads the current state, not the payload's past. */
export type AgentEvents = {
  /** The chain watch saw new cluster logs. */
  "chain-changed": [];
  /** A module sent a transaction: read the chain again soon. */
  "sync-requested": [];
  /** A new cluster view was read (desired state already persisted from it). */
  view: [ClusterView];
  /** The desired replicas in agent.db changed. */
  "desired-changed": [];
  /** One of this node's containers changed state in Docker. */
  "containers-changed": [];
  /** The reconciler's statuses after a run. */
  statuses: [ReplicaStatus[]];
  /** A `migrate` rule fired. */
  "migration-requested": [MigrationRequest];
};

/** What the daemon knows now; the API's status and the modules read it. */
export type AgentState = {
  online: boolean;
  lastSyncAt: string | null;
  lastSyncBlock: number | null;
  lastError: string | null;
  view: ClusterView | undefined;
  statuses: ReplicaStatus[];
  containers: ContainerRef[];
};

export class AgentContext {
  readonly bus = new EventEmitter<AgentEvents>();
  readonly state: AgentState = { online: false, lastSyncAt: null, lastSyncBlock: null, lastError: null, view: undefined, statuses: [], containers: [] };
  private readonly log = logger("agent");

  constructor(
    readonly config: LoadedConfig,
    readonly membership: Membership,
    readonly wallet: Wallet,
    readonly store: Store,
    readonly docker: Docker,
    readonly chain: ChainHandle,
  ) {}

  get address(): string {
    return this.wallet.address;
  }

  logger(module: string): Log {
    return logger(module);
  }

  /** The chain answered at `block`: the daemon is online. */
  markOnline(block: number, view?: ClusterView): void {
    if (!this.state.online) this.log(`chain reachable (block ${block})`);
    Object.assign(this.state, { online: true, lastSyncAt: new Date().toISOString(), lastSyncBlock: block, lastError: null });
    if (view) this.state.view = view;
  }

  /** The chain did not answer: modules go on from the local database. */
  markOffline(err: unknown): void {
    const why = messageOf(err).split("\n")[0]!;
    if (this.state.online || this.state.lastError === null) this.log(`chain unreachable, running from the local database: ${why}`);
    this.state.online = false;
    this.state.lastError = why;
  }
}
