// One monitor rule (metric, comparator, bound, unit, k-of-S window, action, cooldown) as a zod schema, and checks across a rule set.
import { z } from "zod";

export const METRICS = ["cpu", "memory", "disk", "temperature", "net_rx", "net_tx", "container_cpu", "container_memory"] as const;
export type Metric = (typeof METRICS)[number];
export type Unit = "percent" | "absolute";

const HAS_PERCENT = new Set<Metric>(["cpu", "memory", "disk", "container_cpu", "container_memory"]);
const PERCENT_BY_DEFAULT = new Set<Metric>(["cpu", "memory", "disk", "container_cpu"]);

export function defaultUnit(metric: Metric): Unit {
  return PERCENT_BY_DEFAULT.has(metric) ? "percent" : "absolute";
}

export const isContainerMetric = (metric: Metric) => metric === "container_cpu" || metric === "container_memory";

/**
 * A rule as written in config.toml. Units: "percent" is always a share of the whole (all CPU cores, total memory, the
 * data_dir filesystem); "absolute" is the metric's natural unit:
 *   cpu, container_cpu   percent of ONE core, as top and `docker stats` show it (0 .. 100 × cores)
 *   memory, disk         MB used (memory: total − available; disk: like df's Used)
 *   container_memory     MB (usage minus inactive page cache, like `docker stats`); its percent is of the host's memory
 *   temperature          °C (absolute only; may be negative: "temperature < 0" for frost)
 *   net_rx, net_tx       packets per second over the physical interfaces (absolute only)
 */
export const ruleSchema = z
  .strictObject({
    name: z.string().min(1).max(64),
    metric: z.enum(METRICS),
    comparator: z.enum([">", ">=", "<", "<="]),
    bound: z.number(),
    unit: z.enum(["percent", "absolute"]).optional(),
    window: z.number().int().min(1).optional(),
    action: z.enum(["log", "warn", "migrate"]),
    cooldown_ms: z.number().int().min(0).max(86_400_000).default(30_000),
  })
  .superRefine((rule, ctx) => {
    const unit = rule.unit ?? defaultUnit(rule.metric);
    if (unit === "percent" && !HAS_PERCENT.has(rule.metric)) {
      ctx.addIssue({ code: "custom", path: ["unit"], message: `${rule.metric} has no percent unit; use "absolute"` });
    } else if (unit === "percent" && (rule.bound < 0 || rule.bound > 100)) {
      ctx.addIssue({ code: "custom", path: ["bound"], message: "a percent bound must be between 0 and 100" });
    } else if (rule.metric !== "temperature" && rule.bound < 0) {
      ctx.addIssue({ code: "custom", path: ["bound"], message: `a ${rule.metric} bound cannot be negative` });
    }
  })
  .transform((rule) => ({ ...rule, unit: rule.unit ?? defaultUnit(rule.metric) }));

export type Rule = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;

export type RuleSetIssue = { index: number; key: "name" | "window"; message: string };

/** Problems no single rule can see: duplicate names (state is kept by name) and windows longer than S. */
export function ruleSetIssues(rules: ReadonlyArray<{ name: string; window?: number }>, window: number): RuleSetIssue[] {
  const issues: RuleSetIssue[] = [];
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    if (seen.has(rule.name)) issues.push({ index, key: "name", message: `duplicate rule name "${rule.name}"` });
    seen.add(rule.name);
    if (rule.window !== undefined && rule.window > window) {
      issues.push({ index, key: "window", message: `window ${rule.window} is larger than [monitor] window (${window} samples kept)` });
    }
  });
  return issues;
}
