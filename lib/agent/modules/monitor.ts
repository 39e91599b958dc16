// Module `monitor`: samples this node every [monitor] interval_ms and judges the rules over the window (HIDRA's
// monitor). A fired `migrate` rule goes on the bus as a migration request; other actions only log. `reload` swaps
// the rule set; a bad set is refused and the old rules stay in force. Stuck when ticks stop advancing.
import type { Config } from "../../config";
import { Monitor, createSampler, type Firing, type RuleState } from "../../monitor";
import type { AgentContext } from "../context";
import type { Module } from "../runtime";

export class MonitorModule implements Module {
  readonly name = "monitor";
  private monitor: Monitor | undefined;
  private ticks = -1;
  private ticksChangedAt = 0;
  private limitMs = 0;

  start(ctx: AgentContext): void {
    const { monitor, service } = ctx.config.values;
    this.limitMs = Math.max(service.stuck_after_ms, 10 * monitor.interval_ms);
    this.monitor = new Monitor({
      intervalMs: monitor.interval_ms,
      window: monitor.window,
      rules: monitor.rules,
      sampler: createSampler({ dataDir: ctx.config.files.dataDir, containers: async () => ctx.state.containers }),
      onFire: (firing) => this.onFire(ctx, firing),
      log: ctx.logger("monitor"),
    });
    this.ticksChangedAt = Date.now();
    this.monitor.start();
  }

  stop(): void {
    this.monitor?.stop();
  }

  health(now: number): string | null {
    const ticks = this.monitor?.stats().ticks ?? 0;
    if (ticks !== this.ticks) {
      this.ticks = ticks;
      this.ticksChangedAt = now;
      return null;
    }
    const idle = now - this.ticksChangedAt;
    return idle > this.limitMs ? `no sample for ${Math.round(idle / 1000)} s` : null;
  }

  reload(config: Config): string {
    this.monitor?.reload(config.monitor.rules); // throws on a bad set: the caller refuses the reload
    const rules = config.monitor.rules;
    return `${rules.length} rule(s): ${rules.map((r) => r.name).join(", ") || "none"}`;
  }

  ruleStates(): RuleState[] {
    return this.monitor?.ruleStates() ?? [];
  }

  /** How much of a metric a replica's container used in the last sample (for choosing what to move). */
  usageOf(app: string, replica: number, metric: string): number {
    const c = this.monitor?.lastSample()?.containers.find((x) => x.app === app && x.replica === replica);
    if (!c) return 0;
    return metric.includes("cpu") ? c.cpuPercent : c.memoryMB;
  }

  private onFire(ctx: AgentContext, { rule, container }: Firing): void {
    if (rule.action !== "migrate") return;
    const detail = `${rule.metric} ${rule.comparator} ${rule.bound}${rule.unit === "percent" ? "%" : ""}`;
    ctx.bus.emit("migration-requested", { rule: rule.name, metric: rule.metric, detail, container: container && { app: container.app, replica: container.replica } });
  }
}
