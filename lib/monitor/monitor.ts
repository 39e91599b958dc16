// The monitor loop: every T ms a sample, the last S kept, each rule judged k-of-S; a met rule fires, then rests for its cooldown.
import { messageOf } from "../errors";
import { describeValue, judge } from "./evaluate";
import { ruleSetIssues, type Metric, type Rule } from "./rules";
import type { ContainerRef, Sample, Sampler } from "./sampler";

/** A met rule: every action fires (the caller decides what `migrate` means); container rules name the container. */
export type Firing = { rule: Rule; sample: Sample; container?: ContainerRef; at: number };

export type RuleState = {
  name: string;
  metric: Metric;
  action: Rule["action"];
  violations: number; // samples in the window that violate the rule
  samples: number; // samples kept so far (at most `window`)
  window: number; // S
  needed: number; // k: the rule's window, or S
  firing: boolean; // violations >= needed right now
  container?: ContainerRef; // for a firing container rule: the container it would act on
  lastFiredAt: number | null;
  coolingDownUntil: number | null; // null once the cooldown is over
};

/** CPU time is process.cpuUsage() across a tick, so it includes whatever else ran while the tick awaited. */
export type MonitorStats = { ticks: number; cpuMicrosTotal: number; lastTickMicros: number; skipped: number; failed: number };

export type MonitorOptions = {
  intervalMs: number;
  window: number;
  rules: Rule[];
  sampler: Sampler;
  onFire: (firing: Firing) => void;
  log?: (line: string) => void;
};

/** What a rule remembers between ticks; reset when its definition changes. */
type RuleMemory = { definition: string; met: boolean; lastFiredAt: number | null };

const definitionOf = (rule: Rule) => JSON.stringify(rule, Object.keys(rule).sort());

/** Time is the samples' clock (Sample.at): firings, cooldowns and RuleState times follow what was measured. */
export class Monitor {
  private rules: Rule[] = [];
  private memory = new Map<string, RuleMemory>();
  private history: Sample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  private counters: MonitorStats = { ticks: 0, cpuMicrosTotal: 0, lastTickMicros: 0, skipped: 0, failed: 0 };
  private readonly log: (line: string) => void;

  constructor(private readonly opts: MonitorOptions) {
    if (!Number.isInteger(opts.window) || opts.window < 1) throw new Error(`monitor window must be a positive integer, got ${opts.window}`);
    if (!(opts.intervalMs > 0)) throw new Error(`monitor interval must be positive, got ${opts.intervalMs} ms`);
    this.log = opts.log ?? ((line) => console.error(line));
    this.reload(opts.rules);
  }

  /**
   * Samples every intervalMs until stop(). The timer is not unref'd: under Bun 1.3.5 an unref'd timer that is a process's
   * only event source, while a promise is awaited, makes the event loop spin at 100 % CPU.
   */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Swaps the rule set at once; samples are kept, rules whose definition changed start afresh. Throws on a bad set. */
  reload(rules: Rule[]): void {
    const problem = ruleSetIssues(rules, this.opts.window)[0];
    if (problem) throw new Error(`rule "${rules[problem.index]!.name}": ${problem.message}`);
    const memory = new Map<string, RuleMemory>();
    for (const rule of rules) {
      const definition = definitionOf(rule);
      const kept = this.memory.get(rule.name);
      memory.set(rule.name, kept?.definition === definition ? kept : { definition, met: false, lastFiredAt: null });
    }
    this.rules = [...rules];
    this.memory = memory;
  }

  /** One cycle: sample, judge, fire. False when the previous cycle is still running (ticks never overlap). */
  async tick(): Promise<boolean> {
    if (this.busy) {
      this.counters.skipped++;
      return false;
    }
    this.busy = true;
    const cpuBefore = process.cpuUsage();
    try {
      const sample = await this.opts.sampler.sample();
      this.history.push(sample);
      if (this.history.length > this.opts.window) this.history.shift();
      this.judgeAll(sample);
    } catch (err) {
      this.counters.failed++;
      this.log(`sampling failed, tick skipped: ${messageOf(err)}`);
    } finally {
      const used = process.cpuUsage(cpuBefore);
      this.counters.ticks++;
      this.counters.lastTickMicros = used.user + used.system;
      this.counters.cpuMicrosTotal += this.counters.lastTickMicros;
      this.busy = false;
    }
    return true;
  }

  ruleStates(): RuleState[] {
    const now = this.history.at(-1)?.at ?? Date.now();
    return this.rules.map((rule) => {
      const { lastFiredAt } = this.memory.get(rule.name)!;
      const verdict = judge(rule, this.history, this.opts.window);
      const until = lastFiredAt === null ? null : lastFiredAt + rule.cooldown_ms;
      return {
        name: rule.name, metric: rule.metric, action: rule.action,
        violations: verdict.violations, samples: this.history.length, window: this.opts.window, needed: verdict.needed,
        firing: verdict.met, ...(verdict.container && { container: verdict.container }),
        lastFiredAt, coolingDownUntil: until !== null && until > now ? until : null,
      };
    });
  }

  lastSample(): Sample | undefined {
    return this.history.at(-1);
  }

  stats(): MonitorStats {
    return { ...this.counters };
  }

  private judgeAll(sample: Sample): void {
    for (const rule of this.rules) {
      const memory = this.memory.get(rule.name)!;
      const verdict = judge(rule, this.history, this.opts.window);
      const wasMet = memory.met;
      memory.met = verdict.met;
      if (!verdict.met) {
        if (wasMet) this.log(`rule "${rule.name}" cleared: ${verdict.violations}/${this.history.length} samples violate`);
        continue;
      }
      if (memory.lastFiredAt !== null && sample.at < memory.lastFiredAt + rule.cooldown_ms) continue;
      memory.lastFiredAt = sample.at;
      const firing: Firing = { rule, sample, at: sample.at, ...(verdict.container && { container: verdict.container }) };
      const what = `rule "${rule.name}" fired: ${describeValue(rule, sample, verdict.container)} in ${verdict.violations}/${this.history.length} samples`;
      this.log(rule.action === "warn" ? `WARNING ${what}` : rule.action === "migrate" ? `${what}: migrate` : what);
      try {
        this.opts.onFire(firing);
      } catch (err) {
        this.log(`rule "${rule.name}": firing handler failed: ${messageOf(err)}`);
      }
    }
  }
}
