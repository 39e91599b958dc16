// The migration workflow as one node plays it (HIDRA's regular / applicant / solver modes), on each cluster view:
//   - as applicant: files a migration for one of its replicas when a `migrate` rule fired;
//   - as rescuer: files for replicas of a lost member, when it is that replica's first candidate (or the first
//     one let `claim_grace_ms` pass);
//   - as solver: runs the replica of every open migration whose turn is its own (solvingReplicas: persisted with the
//     desired state), and confirms once it serves;
//   - closes migrations past their deadline.
// The old node stops its copy only when the confirmation has moved the assignment (it is then no longer desired).
import type { DesiredReplica, ReplicaStatus } from "../apps/types";
import type { AppRecord, EventLogger } from "../chain";
import type { TxQueue } from "../chain/tx-queue";
import { messageOf } from "../errors";
import type { Log } from "../agent/log";
import { isTurnOf, rankSolvers } from "./candidates";
import { isAlive, type ClusterView } from "./view";
import type { Score } from "./reputation";

export type Mode = "regular" | "applicant" | "solver";

/** What a fired `migrate` rule asks for: optionally the container that violated it, and the metric it watches. */
export type MigrationRequest = { rule: string; metric: string; detail: string; container?: { app: string; replica: number } };

export type MemberHealth = { address: string; alive: boolean; lastSeen: number; reputation: Score };

export type SolvingReplica = DesiredReplica & { migration: number };

/** Replicas `me` runs as a solver at the view's block: persisted with the desired state before they are started. */
export function solvingReplicas(view: ClusterView, me: string): SolvingReplica[] {
  const out: SolvingReplica[] = [];
  for (const e of view.open) {
    const app = view.apps.find((a) => a.id === e.appId);
    if (!app || !isTurnOf(me, view, e, app)) continue;
    out.push({ appId: app.id, app: app.name, replica: e.replica, version: app.version, spec: app.spec, migration: e.id });
  }
  return out;
}

export function modeOf(view: ClusterView | undefined, me: string): Mode {
  if (!view) return "regular";
  if (solvingReplicas(view, me).length > 0) return "solver";
  if (view.open.some((e) => e.from === me && e.kind === "overload")) return "applicant";
  return "regular";
}

export function memberHealth(view: ClusterView | undefined): MemberHealth[] {
  if (!view) return [];
  return view.members.map((m) => ({ address: m.address, alive: m.alive, lastSeen: m.lastSeen, reputation: view.scores.get(m.address)! }));
}

export type WorkflowDeps = {
  me: string;
  events: EventLogger;
  queue: TxQueue;
  log: Log;
  claimGraceMs: number;
  usageOf: (app: string, replica: number, metric: string) => number;
  acceptsConnections: (appId: string, replica: number, containerPort: number) => Promise<boolean>;
  now?: () => number;
};

export class MigrationWorkflow {
  private requests: MigrationRequest[] = [];
  private readonly lostSince = new Map<string, number>();

  constructor(private readonly d: WorkflowDeps) {}

  requestMigration(request: MigrationRequest): void {
    this.requests.push(request);
  }

  /** Files, rescues and expires; returns true if it sent a transaction (the view is stale then). */
  async act(view: ClusterView): Promise<boolean> {
    const sentFile = await this.fileRequested(view);
    const sentRescue = await this.rescueLost(view);
    const sentExpire = await this.expireStale(view);
    return sentFile || sentRescue || sentExpire;
  }

  /** Confirms each solved migration whose replica now runs (and accepts connections on its first TCP port). */
  async confirmSolved(view: ClusterView, statuses: ReplicaStatus[]): Promise<boolean> {
    let sent = false;
    for (const s of solvingReplicas(view, this.d.me)) {
      const status = statuses.find((x) => x.appId === s.appId && x.replica === s.replica);
      if (status?.state !== "running" || !(await this.serves(s))) continue;
      sent = (await this.send(`confirmed migration ${s.migration} (${s.app}#${s.replica})`, () => this.d.events.confirm(s.migration))) || sent;
    }
    return sent;
  }

  private async fileRequested(view: ClusterView): Promise<boolean> {
    const requests = this.requests.splice(0);
    if (requests.length === 0) return false;
    const { me } = this.d;
    if (view.open.some((e) => e.from === me && e.kind === "overload")) return false; // one migration at a time
    const openKeys = new Set(view.open.map((e) => `${e.appId}#${e.replica}`));
    const mine = view.apps.flatMap((app) => app.replicas.filter((r) => r.node === me && !openKeys.has(`${app.id}#${r.replica}`)).map((r) => ({ app, replica: r.replica })));
    for (const request of requests) {
      const choice = this.chooseReplica(request, mine, view);
      if (!choice) {
        this.d.log(`rule ${request.rule} fired (${request.detail}) but no replica here can move: no eligible, live candidate`);
        continue;
      }
      const [designated] = rankSolvers(view, choice.app, choice.replica, me);
      const reason = `rule ${request.rule}: ${request.detail}`;
      return this.send(`filed migration of ${choice.app.name}#${choice.replica} to ${designated} (${reason})`, () => this.d.events.file(choice.app.id, choice.replica, designated!, reason));
    }
    return false;
  }

  /** Policy: the container the rule names; else the replica using the most of the rule's metric; ties by name. */
  private chooseReplica(request: MigrationRequest, mine: Array<{ app: AppRecord; replica: number }>, view: ClusterView) {
    const movable = mine.filter((m) => rankSolvers(view, m.app, m.replica, this.d.me).length > 0);
    if (request.container) return movable.find((m) => m.app.name === request.container!.app && m.replica === request.container!.replica);
    return movable
      .map((m) => ({ ...m, use: this.d.usageOf(m.app.name, m.replica, request.metric) }))
      .sort((a, b) => b.use - a.use || a.app.name.localeCompare(b.app.name) || a.replica - b.replica)[0];
  }

  private async rescueLost(view: ClusterView): Promise<boolean> {
    const { me } = this.d;
    if (!isAlive(view, me)) return false; // the contract would refuse a filing naming a dead solver
    const openKeys = new Set(view.open.map((e) => `${e.appId}#${e.replica}`));
    const now = (this.d.now ?? Date.now)();
    const seen = new Set<string>();
    let sent = false;
    for (const app of view.apps) {
      for (const r of app.replicas) {
        // A node that is no longer a member (evicted, left) counts as lost too.
        if (!r.node || r.node === me || isAlive(view, r.node) || openKeys.has(`${app.id}#${r.replica}`)) continue;
        const key = `${app.id}#${r.replica}`;
        seen.add(key);
        const since = this.lostSince.get(key) ?? now;
        this.lostSince.set(key, since);
        const ranking = rankSolvers(view, app, r.replica, r.node);
        const first = ranking[0] === me;
        const backup = ranking.includes(me) && now - since >= this.d.claimGraceMs;
        if (!first && !backup) continue;
        sent = (await this.send(`filed rescue of ${app.name}#${r.replica} from lost node ${r.node}`, () => this.d.events.fileLost(app.id, r.replica, me))) || sent;
      }
    }
    for (const key of this.lostSince.keys()) if (!seen.has(key)) this.lostSince.delete(key);
    return sent;
  }

  private async expireStale(view: ClusterView): Promise<boolean> {
    let sent = false;
    for (const e of view.open) {
      if (view.block <= e.deadline) continue;
      if (e.filer !== this.d.me && view.block <= e.deadline + 5) continue; // the filer first, anyone a little later
      sent = (await this.send(`expired migration ${e.id}`, () => this.d.events.expire(e.id))) || sent;
    }
    return sent;
  }

  private async serves(r: DesiredReplica): Promise<boolean> {
    const port = r.spec.ports.find((p) => p.protocol === "tcp");
    return port ? this.d.acceptsConnections(r.appId, r.replica, port.container) : true;
  }

  private async send(what: string, tx: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.d.queue.run(tx);
      this.d.log(what);
      return true;
    } catch (err) {
      this.d.log(`${what.split(" (")[0]} failed: ${messageOf(err)}`);
      return false;
    }
  }
}
