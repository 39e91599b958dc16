// Public face of the monitor: the sampler, the rule schema and the Monitor loop that judges rules k-of-S and fires.
export { createSampler, type ContainerRef, type ContainerSample, type Sample, type Sampler, type SamplerOptions } from "./sampler";
export { METRICS, defaultUnit, ruleSchema, ruleSetIssues, type Metric, type Rule, type RuleInput, type RuleSetIssue, type Unit } from "./rules";
export { CPU_CORES, judge, violates, type Verdict } from "./evaluate";
export { Monitor, type Firing, type MonitorOptions, type MonitorStats, type RuleState } from "./monitor";
