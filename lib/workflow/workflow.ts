// The migration workflow as one node plays it (HIDRA's regular / applicant / solver modes), driven by the
// daemon's passes. Each pass reads the open migrations and every member's liveness and reputation, then:
//   - as applicant: files a migration for one of its replicas when a `migrate` rule fired;
//   - as rescuer: files for replicas of a lost member, when it is that replica's first candidate (or the first
//     one let `claim_grace_ms` pass);
//   - as solver: runs the replica of every open migration whose turn is its own, and confirms once it serves;
//   - closes migrations past their deadline.
// The old node stops its copy only when the confirmation has moved the assignment (it is then no longer desired).
import type { DesiredReplica, ReplicaStatus } from "../apps/types";
import { placementNodes } from "../apps/ops";
import type { AppRecord, Migration } from "../chain";
import type { ClusterClient, ClusterState } from "../cluster/client";
import { messageOf } from "../errors";
import type { Log } from "../agent/log";
import { rankSolvers, type RankingInput } from "./candidates";
import { reputationScores, type Score } from "./reputation";

export type Mode = "regular" | "applicant" | "solver";

/** What a fired `migrate` rule asks for: optionally the container that violated it, and the metric it watches. */
export type MigrationRequest = { rule: string; metric: string; detail: string; container?: { app: string; replica: number } };

export type WorkflowView = ClusterState & RankingInput & {
  now: number;
  lastSeen: Map<string, number>;
  scores: Map<string, Score>;
  open: Migration[];
  solverBlocks: number;
};

export type MemberHealth = { address: string; alive: boolean; lastSeen: number; reputation: Score };

export class MigrationWorkflow {
  private requests: MigrationRequest[] = [];
  private scanFrom = 0;
  private readonly lostSince = new Map<string, number>();
  private solverBlocks: number | undefined;
  private lastView: WorkflowView | undefined;

  constructor(
    private readonly client: ClusterClient,
    private readonly log: Log,
    private readonly opts: {
      claimGraceMs: number;
      usageOf: (app: string, replica: number, metric: string) => number;
      acceptsConnections: (appId: string, replica: number, containerPort: number) => Promise<boolean>;
    },
  ) {}

  requestMigration(request: MigrationRequest): void {
    this.requests.push(request);
  }

  /** Liveness, reputation and open migrations at the state's block. */
  async view(state: ClusterState): Promise<WorkflowView> {
    const { client } = this;
    const now = state.timestamp; // the chain's clock: the contract judges liveness by block time
    const addresses = state.members.map((m) => m.address);
    this.solverBlocks ??= await client.events.solverBlocks();
    const [liveness, records, count] = await Promise.all([
      client.devices.liveness(addresses, now, state.block),
      client.reputation.records(addresses, state.block),
      client.events.count(state.block),
    ]);
    const recent = count > this.scanFrom ? await client.events.range(this.scanFrom, count - this.scanFrom, state.block) : [];
    const open = recent.filter((e) => e.phase === "open");
    this.scanFrom = open[0]?.id ?? count;
    const alive = new Map(addresses.map((a) => [a, liveness.get(a)!.alive]));
    const scores = reputationScores(state.members, records, alive);
    const lastSeen = new Map(addresses.map((a) => [a, liveness.get(a)!.lastSeen]));
    this.lastView = { ...state, nodes: placementNodes(state.members), alive, lastSeen, scores, open, now, solverBlocks: this.solverBlocks };
    return this.lastView;
  }

  /** Replicas this node runs as a solver right now: persisted with the desired state before they are started. */
  solving(view: WorkflowView): Array<DesiredReplica & { migration: number }> {
    const me = this.client.address;
    const out: Array<DesiredReplica & { migration: number }> = [];
    for (const e of view.open) {
      const app = view.apps.find((a) => a.id === e.appId);
      if (!app || !this.isMyTurn(view, e, app)) continue;
      out.push({ appId: app.id, app: app.name, replica: e.replica, version: app.version, spec: app.spec, migration: e.id });
    }
    return out;
  }

  mode(view: WorkflowView | undefined = this.lastView): Mode {
    if (!view) return "regular";
    const me = this.client.address;
    if (this.solving(view).length > 0) return "solver";
    if (view.open.some((e) => e.from === me && e.kind === "overload")) return "applicant";
    return "regular";
  }

  members(view: WorkflowView | undefined = this.lastView): MemberHealth[] {
    if (!view) return [];
    return view.members.map((m) => ({ address: m.address, alive: view.alive.get(m.address) ?? false, lastSeen: view.lastSeen.get(m.address) ?? 0, reputation: view.scores.get(m.address)! }));
  }

  /** Files, rescues and expires; returns true if it sent a transaction (the caller re-reads the chain). */
  async act(view: WorkflowView): Promise<boolean> {
    const sentFile = await this.fileRequested(view);
    const sentRescue = await this.rescueLost(view);
    const sentExpire = await this.expireStale(view);
    return sentFile || sentRescue || sentExpire;
  }

  /** Confirms each solved migration whose replica now runs (and accepts connections on its first port). */
  async confirmSolved(view: WorkflowView, statuses: ReplicaStatus[]): Promise<boolean> {
    let sent = false;
    for (const s of this.solving(view)) {
      const status = statuses.find((x) => x.appId === s.appId && x.replica === s.replica);
      if (status?.state !== "running" || !(await this.serves(s))) continue;
      sent = (await this.send(`confirmed migration ${s.migration} (${s.app}#${s.replica})`, () => this.client.events.confirm(s.migration))) || sent;
    }
    return sent;
  }

  private isMyTurn(view: WorkflowView, e: Migration, app: AppRecord): boolean {
    const me = this.client.address;
    if (e.from === me || view.block >= e.deadline) return false;
    if (e.designated === me) return true;
    if (view.block <= e.designatedUntil) return false;
    const next = rankSolvers(view, app, e.replica, e.from).filter((a) => a !== e.designated);
    const k = next.indexOf(me);
    return k >= 0 && view.block > e.designatedUntil + k * view.solverBlocks;
  }

  private async fileRequested(view: WorkflowView): Promise<boolean> {
    const requests = this.requests.splice(0);
    if (requests.length === 0) return false;
    const me = this.client.address;
    if (view.open.some((e) => e.from === me && e.kind === "overload")) return false; // one migration at a time
    const openKeys = new Set(view.open.map((e) => `${e.appId}#${e.replica}`));
    const mine = view.apps.flatMap((app) => app.replicas.filter((r) => r.node === me && !openKeys.has(`${app.id}#${r.replica}`)).map((r) => ({ app, replica: r.replica })));
    for (const request of requests) {
      const choice = this.chooseReplica(request, mine, view);
      if (!choice) {
        this.log(`rule ${request.rule} fired (${request.detail}) but no replica here can move: no eligible, live candidate`);
        continue;
      }
      const [designated] = rankSolvers(view, choice.app, choice.replica, me);
      const reason = `rule ${request.rule}: ${request.detail}`;
      return this.send(`filed migration of ${choice.app.name}#${choice.replica} to ${designated} (${reason})`, () => this.client.events.file(choice.app.id, choice.replica, designated!, reason));
    }
    return false;
  }

  /** Policy: the container the rule names; else the replica using the most of the rule's metric; ties by name. */
  private chooseReplica(request: MigrationRequest, mine: Array<{ app: AppRecord; replica: number }>, view: WorkflowView) {
    const movable = mine.filter((m) => rankSolvers(view, m.app, m.replica, this.client.address).length > 0);
    if (request.container) return movable.find((m) => m.app.name === request.container!.app && m.replica === request.container!.replica);
    return movable
      .map((m) => ({ ...m, use: this.opts.usageOf(m.app.name, m.replica, request.metric) }))
      .sort((a, b) => b.use - a.use || a.app.name.localeCompare(b.app.name) || a.replica - b.replica)[0];
  }

  private async rescueLost(view: WorkflowView): Promise<boolean> {
    const me = this.client.address;
    if (!view.alive.get(me)) return false; // the contract would refuse a filing naming a dead solver
    const openKeys = new Set(view.open.map((e) => `${e.appId}#${e.replica}`));
    const now = Date.now();
    const seen = new Set<string>();
    let sent = false;
    for (const app of view.apps) {
      for (const r of app.replicas) {
        // A node that is no longer a member (evicted, left) counts as lost too.
        if (!r.node || r.node === me || (view.alive.get(r.node) ?? false) || openKeys.has(`${app.id}#${r.replica}`)) continue;
        const key = `${app.id}#${r.replica}`;
        seen.add(key);
        const since = this.lostSince.get(key) ?? now;
        this.lostSince.set(key, since);
        const ranking = rankSolvers(view, app, r.replica, r.node);
        const first = ranking[0] === me;
        const backup = ranking.includes(me) && now - since >= this.opts.claimGraceMs;
        if (!first && !backup) continue;
        sent = (await this.send(`filed rescue of ${app.name}#${r.replica} from lost node ${r.node}`, () => this.client.events.fileLost(app.id, r.replica, me))) || sent;
      }
    }
    for (const key of this.lostSince.keys()) if (!seen.has(key)) this.lostSince.delete(key);
    return sent;
  }

  private async expireStale(view: WorkflowView): Promise<boolean> {
    const me = this.client.address;
    let sent = false;
    for (const e of view.open) {
      if (view.block <= e.deadline) continue;
      if (e.filer !== me && view.block <= e.deadline + 5) continue; // the filer first, anyone a little later
      sent = (await this.send(`expired migration ${e.id}`, () => this.client.events.expire(e.id))) || sent;
    }
    return sent;
  }

  private async serves(r: DesiredReplica): Promise<boolean> {
    const port = r.spec.ports.find((p) => p.protocol === "tcp");
    return port ? this.opts.acceptsConnections(r.appId, r.replica, port.container) : true;
  }

  private async send(what: string, tx: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.client.queue.run(tx);
      this.log(what);
      return true;
    } catch (err) {
      this.log(`${what.split(" (")[0]} failed: ${messageOf(err)}`);
      return false;
    }
  }
}
