// Module `sync`: the daemon's desired state. On every chain change, every sync request and at least every
// [cluster] resync_interval_ms it reads a cluster view (members with liveness and reputation, apps, open
// migrations) at one block, persists this node's desired replicas in agent.db before anything acts on them, and
// publishes the view. Offline, it only marks the chain unreachable: the reconciler goes on from agent.db.
import type { DesiredReplica } from "../../apps/types";
import type { Log } from "../log";
import { ViewReader, type ClusterView } from "../../workflow/view";
import { solvingReplicas } from "../../workflow/workflow";
import type { AgentContext } from "../context";
import { LoopModule, type LoopSpec } from "../loop";

/** This node's desired replicas in a view: those assigned to it, plus those it is solving a migration for. */
export function desiredReplicas(view: ClusterView, me: string): DesiredReplica[] {
  if (!view.members.some((m) => m.address === me)) return [];
  const desired: DesiredReplica[] = [];
  for (const app of view.apps) {
    for (const r of app.replicas) if (r.node === me) desired.push({ appId: app.id, app: app.name, replica: r.replica, version: app.version, spec: app.spec });
  }
  for (const s of solvingReplicas(view, me)) {
    if (!desired.some((d) => d.appId === s.appId && d.replica === s.replica)) desired.push({ appId: s.appId, app: s.app, replica: s.replica, version: s.version, spec: s.spec });
  }
  return desired;
}

export class SyncModule extends LoopModule {
  readonly name = "sync";
  private views: ViewReader | undefined;
  private lastAppsSeen = "";
  private log: Log = () => {};

  protected loop(ctx: AgentContext): LoopSpec {
    this.log = ctx.logger("agent");
    this.log(`node ${ctx.config.values.node.name} (${ctx.address}) in cluster ${ctx.membership.registry}; ${ctx.store.desired().length} desired replicas in the local database`);
    return { everyMs: ctx.config.values.cluster.resync_interval_ms, wakeOn: ["chain-changed", "sync-requested"], run: () => this.sync(ctx) };
  }

  private async sync(ctx: AgentContext): Promise<void> {
    let view: ClusterView;
    try {
      const client = await ctx.chain.get();
      this.views ??= new ViewReader(client.reader);
      view = await this.views.read();
    } catch (err) {
      ctx.markOffline(err);
      return;
    }
    this.logAppsSeen(view);
    const desired = desiredReplicas(view, ctx.address);
    if (ctx.store.replaceDesired(desired)) {
      this.log(`desired state: ${desired.map((d) => `${d.app}#${d.replica}@v${d.version}`).join(", ") || "nothing"}`);
      ctx.bus.emit("desired-changed");
    }
    ctx.markOnline(view.block, view);
    ctx.bus.emit("view", view);
  }

  private logAppsSeen(view: ClusterView): void {
    const seen = view.apps.map((a) => `${a.name} v${a.version} (${a.replicas.filter((r) => r.node).length}/${a.replicas.length} placed)`).join(", ");
    if (seen !== this.lastAppsSeen) this.log(`block ${view.block}: apps ${seen || "none"}`);
    this.lastAppsSeen = seen;
  }
}
