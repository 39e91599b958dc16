// Module `reports`: tells the chain each of this node's replicas' actual state (starting is not reported; running,
// failed with a reason) when it differs from what the chain holds. Runs on every reconcile and every view. A report
// just sent is not sent again from a view older than the block it was mined in (that view cannot show it yet).
import type { ReplicaState, ReplicaStatus } from "../../apps/types";
import { explainTxError } from "../../chain";
import type { ClusterView } from "../../workflow/view";
import type { AgentContext } from "../context";
import { LoopModule, type LoopSpec } from "../loop";

export type Report = { appId: string; app: string; replica: number; state: ReplicaState; version: number; reason: string };

const MAX_REASON = 200;
const same = (a: { state: string; version: number; reason: string }, b: { state: string; version: number; reason: string }) =>
  a.state === b.state && a.version === b.version && a.reason === b.reason;

/** Which statuses differ from the chain's record, minus those already sent and not yet visible in the view. */
export class ReportLedger {
  private readonly sent = new Map<string, Report & { block: number }>();

  due(statuses: ReplicaStatus[], view: Pick<ClusterView, "apps" | "block">, me: string): Report[] {
    const out: Report[] = [];
    for (const s of statuses) {
      if (s.state === "starting") continue;
      const key = `${s.appId}#${s.replica}`;
      const record = view.apps.find((a) => a.id === s.appId)?.replicas[s.replica];
      const report: Report = { appId: s.appId, app: s.app, replica: s.replica, state: s.state, version: s.version, reason: s.reason.slice(0, MAX_REASON) };
      if (!record || record.node !== me || same(record, report)) {
        this.sent.delete(key);
        continue;
      }
      const last = this.sent.get(key);
      if (last && same(last, report) && view.block < last.block) continue;
      out.push(report);
    }
    return out;
  }

  recordSent(report: Report, block: number): void {
    this.sent.set(`${report.appId}#${report.replica}`, { ...report, block });
  }
}

export class ReportsModule extends LoopModule {
  readonly name = "reports";
  private readonly ledger = new ReportLedger();

  protected loop(ctx: AgentContext): LoopSpec {
    return { everyMs: ctx.config.values.cluster.resync_interval_ms, wakeOn: ["statuses", "view"], run: () => this.report(ctx) };
  }

  private async report(ctx: AgentContext): Promise<void> {
    const { view, statuses, online } = ctx.state;
    const client = ctx.chain.ready();
    if (!view || !client || !online) return;
    const log = ctx.logger("agent");
    for (const r of this.ledger.due(statuses, view, ctx.address)) {
      try {
        const receipt = await client.queue.run(() => client.apps.report(r.appId, r.replica, r.state, r.version, r.reason));
        this.ledger.recordSent(r, receipt.blockNumber);
        log(`reported ${r.app}#${r.replica} ${r.state}${r.reason ? ` (${r.reason})` : ""}`);
      } catch (err) {
        log(`report of ${r.app}#${r.replica} failed: ${explainTxError(err)}`);
      }
    }
  }
}
