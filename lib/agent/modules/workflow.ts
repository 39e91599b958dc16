// Module `workflow`: the migration workflow on each new cluster view (file what a `migrate` rule asked for, rescue
// replicas of lost members, expire stale events) and on each reconcile (confirm a migration this node solved once
// its replica runs and serves). Any transaction it sends asks the sync module for a fresh view.
import { replicaAcceptsConnections } from "../../docker";
import { MigrationWorkflow } from "../../workflow/workflow";
import type { ClusterView } from "../../workflow/view";
import type { AgentContext } from "../context";
import { Loop } from "../loop";
import type { Module } from "../runtime";
import type { MonitorModule } from "./monitor";

export class WorkflowModule implements Module {
  readonly name = "workflow";
  private loop: Loop | undefined;
  private actedOn: ClusterView | undefined;

  constructor(private readonly monitor: MonitorModule) {}

  start(ctx: AgentContext): void {
    const log = ctx.logger("workflow");
    let workflow: MigrationWorkflow | undefined;
    const pending: Parameters<MigrationWorkflow["requestMigration"]>[0][] = [];
    this.loop = new Loop({
      everyMs: ctx.config.values.cluster.resync_interval_ms,
      limitMs: ctx.config.values.service.stuck_after_ms,
      log: ctx.logger(this.name),
      run: async () => {
        const { view, online, statuses } = ctx.state;
        const client = ctx.chain.ready();
        if (!view || !client || !online) return;
        workflow ??= new MigrationWorkflow({
          me: ctx.address,
          events: client.events,
          queue: client.queue,
          log,
          claimGraceMs: ctx.config.values.cluster.claim_grace_ms,
          usageOf: (app, replica, metric) => this.monitor.usageOf(app, replica, metric),
          acceptsConnections: (appId, replica, port) => replicaAcceptsConnections(ctx.docker, ctx.address, appId, replica, port),
        });
        const requests = pending.splice(0);
        for (const request of requests) workflow.requestMigration(request);
        let sent = false;
        if (view !== this.actedOn || requests.length > 0) {
          this.actedOn = view;
          sent = await workflow.act(view);
        }
        if (!sent) sent = await workflow.confirmSolved(view, statuses);
        if (sent) ctx.bus.emit("sync-requested");
      },
    });
    const wake = () => this.loop!.wake();
    ctx.bus.on("view", wake);
    ctx.bus.on("statuses", wake);
    ctx.bus.on("migration-requested", (request) => {
      pending.push(request);
      ctx.bus.emit("sync-requested"); // file from a fresh view
    });
    this.loop.start();
  }

  stop(): Promise<void> | undefined {
    return this.loop?.stop();
  }

  health(now: number): string | null {
    return this.loop?.health(now) ?? null;
  }
}
