// Module `workflow`: the migration workflow on each new cluster view (file what a `migrate` rule asked for, rescue
// replicas of lost members, expire stale events) and on each reconcile (confirm a migration this node solved once
// its replica runs and serves). Any transaction it sends asks the sync module for a fresh view.
import { replicaAcceptsConnections } from "../../docker";
import { MigrationWorkflow, type MigrationRequest } from "../../workflow/workflow";
import type { ClusterView } from "../../workflow/view";
import type { AgentContext } from "../context";
import { LoopModule, type LoopSpec } from "../loop";
import type { MonitorModule } from "./monitor";

export class WorkflowModule extends LoopModule {
  readonly name = "workflow";
  private workflow: MigrationWorkflow | undefined;
  private actedOn: ClusterView | undefined;
  private readonly pending: MigrationRequest[] = [];

  constructor(private readonly monitor: MonitorModule) {
    super();
  }

  protected loop(ctx: AgentContext): LoopSpec {
    ctx.bus.on("migration-requested", (request) => {
      this.pending.push(request);
      ctx.bus.emit("sync-requested"); // file from a fresh view
    });
    return { everyMs: ctx.config.values.cluster.resync_interval_ms, wakeOn: ["view", "statuses"], run: () => this.step(ctx) };
  }

  private async step(ctx: AgentContext): Promise<void> {
    const { view, online, statuses } = ctx.state;
    const client = ctx.chain.ready();
    if (!view || !client || !online) return;
    this.workflow ??= new MigrationWorkflow({
      me: ctx.address,
      events: client.events,
      queue: client.queue,
      log: ctx.logger("workflow"),
      claimGraceMs: ctx.config.values.cluster.claim_grace_ms,
      usageOf: (app, replica, metric) => this.monitor.usageOf(app, replica, metric),
      acceptsConnections: (appId, replica, port) => replicaAcceptsConnections(ctx.docker, ctx.address, appId, replica, port),
    });
    const requests = this.pending.splice(0);
    for (const request of requests) this.workflow.requestMigration(request);
    let sent = false;
    if (view !== this.actedOn || requests.length > 0) {
      this.actedOn = view;
      sent = await this.workflow.act(view);
    }
    if (!sent) sent = await this.workflow.confirmSolved(view, statuses);
    if (sent) ctx.bus.emit("sync-requested");
  }
}
