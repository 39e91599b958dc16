// Judges a rule against samples: the value it compares in each sample, whether that violates it, and k-of-S over a window.
import { availableParallelism, cpus } from "node:os";
import { isContainerMetric, type Rule } from "./rules";
import type { ContainerRef, ContainerSample, Sample } from "./sampler";

/** CPUs of this machine: converts between "percent of all cores" and "percent of one core". */
export const CPU_CORES = cpus().length || availableParallelism(); // all CPUs, as /proc/stat counts them

/** The value a host rule compares, in the rule's unit; null when the sample lacks it (no temperature sensor). */
export function hostValue(rule: Rule, sample: Sample, cores = CPU_CORES): number | null {
  const percent = rule.unit === "percent";
  switch (rule.metric) {
    case "cpu": return percent ? sample.cpuPercent : sample.cpuPercent * cores;
    case "memory": return percent ? sample.memoryPercent : sample.memoryUsedMB;
    case "disk": return percent ? sample.diskPercent : sample.diskUsedMB;
    case "temperature": return sample.temperatureC;
    case "net_rx": return sample.netRxPacketsPerSec;
    case "net_tx": return sample.netTxPacketsPerSec;
    default: return null;
  }
}

/** The value a container rule compares for one container, in the rule's unit. */
export function containerValue(rule: Rule, container: ContainerSample, sample: Sample, cores = CPU_CORES): number | null {
  const percent = rule.unit === "percent";
  if (rule.metric === "container_cpu") return percent ? container.cpuPercent / cores : container.cpuPercent;
  if (rule.metric === "container_memory") return percent ? (container.memoryMB / sample.memoryTotalMB) * 100 : container.memoryMB;
  return null;
}

export function breaks(rule: Rule, value: number | null): boolean {
  if (value === null || Number.isNaN(value)) return false;
  switch (rule.comparator) {
    case ">": return value > rule.bound;
    case ">=": return value >= rule.bound;
    case "<": return value < rule.bound;
    case "<=": return value <= rule.bound;
  }
}

/** The containers of one sample that violate a container rule (none for a host rule). */
export function violatingContainers(rule: Rule, sample: Sample, cores = CPU_CORES): ContainerSample[] {
  return sample.containers.filter((c) => breaks(rule, containerValue(rule, c, sample, cores)));
}

/** Whether a sample violates a rule: for container metrics, whether ANY container does. */
export function violates(rule: Rule, sample: Sample, cores = CPU_CORES): boolean {
  if (isContainerMetric(rule.metric)) return violatingContainers(rule, sample, cores).length > 0;
  return breaks(rule, hostValue(rule, sample, cores));
}

/** A rule over the samples kept: k = rule.window, or all S. For container rules, the container to act on. */
export type Verdict = { violations: number; needed: number; met: boolean; container?: ContainerRef };

export function judge(rule: Rule, history: readonly Sample[], window: number, cores = CPU_CORES): Verdict {
  const needed = rule.window ?? window;
  if (!isContainerMetric(rule.metric)) {
    const violations = history.filter((s) => violates(rule, s, cores)).length;
    return { violations, needed, met: violations >= needed };
  }
  // The container violating in most samples; on a tie the one that violated last (history is oldest first).
  let violations = 0;
  const tally = new Map<string, { ref: ContainerRef; count: number }>();
  for (const sample of history) {
    const bad = violatingContainers(rule, sample, cores);
    if (bad.length > 0) violations++;
    for (const c of bad) {
      const entry = tally.get(c.id) ?? { ref: { id: c.id, app: c.app, replica: c.replica }, count: 0 };
      entry.count++;
      tally.delete(c.id); // re-insert: Map order becomes "last violated last"
      tally.set(c.id, entry);
    }
  }
  let worst: { ref: ContainerRef; count: number } | undefined;
  for (const entry of tally.values()) if (!worst || entry.count >= worst.count) worst = entry;
  const met = violations >= needed;
  return met && worst ? { violations, needed, met, container: worst.ref } : { violations, needed, met };
}

const ABSOLUTE_UNIT: Record<Rule["metric"], string> = {
  cpu: "% of a core", memory: "MB", disk: "MB", temperature: "°C", net_rx: "packets/s", net_tx: "packets/s",
  container_cpu: "% of a core", container_memory: "MB",
};

/** "cpu 93.2 % > 90 %", "container_memory of web#1 312 MB > 256 MB": what a log line says about a firing. */
export function describeValue(rule: Rule, sample: Sample, container?: ContainerRef, cores = CPU_CORES): string {
  const unit = rule.unit === "percent" ? "%" : ABSOLUTE_UNIT[rule.metric];
  const c = container && sample.containers.find((s) => s.id === container.id);
  const value = c ? containerValue(rule, c, sample, cores) : hostValue(rule, sample, cores);
  const subject = container ? `${rule.metric} of ${container.app}#${container.replica}` : rule.metric;
  const shown = value === null ? "n/a" : `${Number(value.toFixed(1))} ${unit}`;
  return `${subject} ${shown} ${rule.comparator} ${rule.bound} ${unit}`;
}
