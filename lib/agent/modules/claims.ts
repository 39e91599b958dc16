// Module `claims`: on each cluster view, claims what the placement plan gives this node, and pending replicas the
// plan gave another node that let them wait past [cluster] claim_grace_ms (it may be down). The contract re-checks
// every claim; a lost race only costs a transaction. Each view is acted on once, and never one older than this
// module's own last transaction (that view cannot show what the transaction changed).
import type { AppRecord } from "../../chain";
import { messageOf } from "../../errors";
import { planPlacement, type Claim } from "../../placement/plan";
import { eligible, usageByNode, type PlacementNode } from "../../placement/rule";
import type { ClusterView } from "../../workflow/view";
import type { AgentContext } from "../context";
import { LoopModule, type LoopSpec } from "../loop";

/** Remembers since when each pending replica has waited, to claim those left past the grace. */
export class ClaimTimers {
  private readonly pendingSince = new Map<string, number>();

  constructor(private readonly graceMs: number) {}

  /** What `me` claims in `view` at `now`: its share of the plan, plus one overdue replica per app. */
  due(view: { apps: AppRecord[]; nodes: PlacementNode[] }, me: string, now: number): Claim[] {
    const self = view.nodes.find((n) => n.address === me);
    if (!self) return [];
    const claims: Claim[] = [...(planPlacement(view.apps, view.nodes).get(me) ?? [])];
    const usage = usageByNode(view.apps, view.nodes).get(me);
    const stillPending = new Set<string>();
    for (const app of view.apps) {
      if (app.spec.everyNode) continue;
      const planned = new Set(claims.flatMap((c) => (c.appId === app.id && "replicas" in c ? c.replicas : [])));
      const overdue: number[] = [];
      for (const r of app.replicas) {
        if (r.node !== null) continue;
        const key = `${app.id}#${r.replica}`;
        stillPending.add(key);
        const since = this.pendingSince.get(key) ?? now;
        this.pendingSince.set(key, since);
        if (!planned.has(r.replica) && now - since >= this.graceMs && eligible(app, self, usage)) overdue.push(r.replica);
      }
      if (overdue.length > 0) claims.push({ appId: app.id, app: app.name, replicas: overdue.slice(0, 1) });
    }
    for (const key of this.pendingSince.keys()) if (!stillPending.has(key)) this.pendingSince.delete(key);
    return claims;
  }
}

export class ClaimsModule extends LoopModule {
  readonly name = "claims";
  private lastTxBlock = 0;
  private lastView: ClusterView | undefined;

  protected loop(ctx: AgentContext): LoopSpec {
    const timers = new ClaimTimers(ctx.config.values.cluster.claim_grace_ms);
    return { everyMs: ctx.config.values.cluster.resync_interval_ms, wakeOn: ["view"], run: () => this.claim(ctx, timers) };
  }

  private async claim(ctx: AgentContext, timers: ClaimTimers): Promise<void> {
    const view = ctx.state.view;
    const client = ctx.chain.ready();
    if (!view || view === this.lastView || !client || !ctx.state.online || view.block < this.lastTxBlock) return;
    this.lastView = view;
    const log = ctx.logger("agent");
    let claimed = false;
    for (const c of timers.due(view, ctx.address, Date.now())) {
      try {
        const receipt = "everyNode" in c
          ? await client.queue.run(() => client.apps.claimEveryNode(c.appId))
          : await client.queue.run(() => client.apps.claim(c.appId, c.replicas));
        this.lastTxBlock = Math.max(this.lastTxBlock, receipt.blockNumber);
        log(`claimed ${c.app} ${"everyNode" in c ? "(every node)" : `replicas ${c.replicas.join(",")}`}`);
        claimed = true;
      } catch (err) {
        log(`claim of ${c.app} lost: ${messageOf(err)}`); // another node was faster, or the state moved
      }
    }
    if (claimed) ctx.bus.emit("sync-requested");
  }
}
