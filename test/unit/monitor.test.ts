// Monitor: real samples of this machine without spawning, k-of-S rules with cooldowns, reload keeping history,
// [[monitor.rules]] errors on their line.
import { afterAll, describe, expect, spyOn, test } from "bun:test";
import { existsSync } from "node:fs";
import { totalmem } from "node:os";
import * as systemInformation from "systeminformation"; // loaded before any spy, so it keeps the real functions
import { configSchema, parseConfig, renderConfig } from "../../lib/config";
import { createSampler, Monitor, ruleSchema, violates, type Firing, type Rule, type RuleInput, type Sample } from "../../lib/monitor";
import { removeTempDirs, tempDir } from "../support/cli";
import { countSpawns, rule } from "../support/monitor";

afterAll(removeTempDirs);

const MB = 1024 * 1024;

describe("sampler", () => {
  test("returns plausible values of this machine and spawns no process", async () => {
    const sampler = createSampler({ dataDir: tempDir() });
    const samples: Sample[] = [];
    const spawns = await countSpawns(async () => {
      for (let i = 0; i < 3; i++) {
        await Bun.sleep(200);
        samples.push(await sampler.sample());
      }
    });
    expect(spawns).toBe(0);
    for (const s of samples) {
      expect(Math.abs(s.at - Date.now())).toBeLessThan(5000);
      expect(s.cpuPercent).toBeWithin(0, 100.001);
      expect(Math.abs(s.memoryTotalMB - totalmem() / MB) / s.memoryTotalMB).toBeLessThan(0.01);
      expect(s.memoryUsedMB).toBeWithin(1, s.memoryTotalMB);
      expect(s.memoryPercent).toBeCloseTo((s.memoryUsedMB / s.memoryTotalMB) * 100, 5);
      expect(s.diskTotalMB).toBeGreaterThan(0);
      expect(s.diskUsedMB).toBeWithin(0, s.diskTotalMB);
      expect(s.diskPercent).toBeWithin(0, 100.001);
      if (s.temperatureC !== null) expect(s.temperatureC).toBeWithin(-40, 150);
      expect(s.netRxPacketsPerSec).toBeGreaterThanOrEqual(0);
      expect(s.netTxPacketsPerSec).toBeGreaterThanOrEqual(0);
      expect(s.containers).toEqual([]);
    }
    // The spies do see spawns made inside systeminformation: its currentLoad() runs `cat /proc/stat` on Linux.
    expect(await countSpawns(() => systemInformation.currentLoad())).toBeGreaterThan(0);
  });
});

describe("rules", () => {
  test("the schema fills defaults by metric", () => {
    expect(rule({ name: "a" })).toEqual({ name: "a", metric: "cpu", comparator: ">", bound: 80, unit: "percent", action: "log", cooldown_ms: 30_000 });
    expect(rule({ name: "b", metric: "net_rx", bound: 5000 }).unit).toBe("absolute");
    expect(rule({ name: "c", metric: "container_memory", bound: 256 }).unit).toBe("absolute");
    expect(rule({ name: "frost", metric: "temperature", comparator: "<", bound: -5 }).bound).toBe(-5);
  });

  const rejected: Array<[string, Record<string, unknown>]> = [
    ["an unknown key", { colour: "red" }],
    ["a bad comparator", { comparator: "=>" }],
    ["a percent bound over 100", { bound: 101 }],
    ["percent for a metric without one", { metric: "temperature", unit: "percent", bound: 50 }],
    ["a negative absolute bound", { metric: "disk", unit: "absolute", bound: -1 }],
    ["a window of 0", { window: 0 }],
    ["a missing action", { action: undefined }],
  ];
  for (const [what, change] of rejected) {
    test(`the schema rejects ${what}`, () => {
      expect(ruleSchema.safeParse({ name: "x", metric: "cpu", comparator: ">", bound: 80, action: "log", ...change }).success).toBe(false);
    });
  }

  test("units: percent is of the whole machine, absolute of one core", () => {
    const sample = fake({ cpuPercent: 30, containers: [{ id: "c1", app: "web", replica: 0, cpuPercent: 100, memoryMB: 512 }] });
    const cores = 4;
    expect(violates(rule({ name: "a", metric: "container_cpu", bound: 20 }), sample, cores)).toBe(true); // 25 % of the machine
    expect(violates(rule({ name: "b", metric: "container_cpu", bound: 30 }), sample, cores)).toBe(false);
    expect(violates(rule({ name: "c", metric: "container_cpu", unit: "absolute", bound: 90 }), sample, cores)).toBe(true);
    expect(violates(rule({ name: "d", metric: "cpu", unit: "absolute", bound: 110 }), sample, cores)).toBe(true); // 120 % of a core
    expect(violates(rule({ name: "e", metric: "container_memory", unit: "percent", bound: 10 }), sample, cores)).toBe(true); // 512 of 4000 MB
    expect(violates(rule({ name: "f", metric: "temperature", bound: 40 }), fake({ temperatureC: null }), cores)).toBe(false);
  });
});

const BASE: Sample = {
  at: 0, cpuPercent: 10, memoryUsedMB: 1000, memoryTotalMB: 4000, memoryPercent: 25, diskUsedMB: 5000, diskTotalMB: 30_000,
  diskPercent: 16.7, temperatureC: 50, netRxPacketsPerSec: 100, netTxPacketsPerSec: 100, containers: [],
};
const fake = (s: Partial<Sample>): Sample => ({ ...BASE, ...s });

/** A Monitor over a scripted sampler: one sample per tick, 1000 ms apart. */
function scripted(window: number, rules: Rule[], script: Array<Partial<Sample>>) {
  let at = 0;
  const firings: Firing[] = [];
  const logs: string[] = [];
  const sampler = {
    async sample() {
      const next = script.shift();
      if (!next) throw new Error("script exhausted");
      return fake({ at: (at += 1000), ...next });
    },
  };
  const monitor = new Monitor({ intervalMs: 1000, window, rules, sampler, onFire: (f) => firings.push(f), log: (l) => logs.push(l) });
  const ticks = async (n: number) => {
    for (let i = 0; i < n; i++) await monitor.tick();
  };
  return { monitor, firings, logs, ticks, script };
}

describe("monitor", () => {
  test("fires when at least k of the last S samples violate; without a window, all S must", async () => {
    const some = rule({ name: "some", window: 3, action: "migrate" });
    const all = rule({ name: "all", action: "warn" });
    const { monitor, firings, logs, ticks } = scripted(4, [some, all], [90, 10, 90, 90, 90, 90].map((cpuPercent) => ({ cpuPercent })));
    await ticks(3);
    expect(firings).toEqual([]);
    await ticks(1); // 90 10 90 90: 3 of 4
    expect(firings.map((f) => [f.rule.name, f.at, f.sample.at])).toEqual([["some", 4000, 4000]]);
    await ticks(2); // 90 90 90 90: "all" at last; "some" is cooling down
    expect(firings.map((f) => [f.rule.name, f.at])).toEqual([["some", 4000], ["all", 6000]]);
    expect(logs.some((l) => l.startsWith('WARNING rule "all" fired: cpu 90 % > 80 %'))).toBe(true);
    expect(monitor.ruleStates()).toEqual([
      { name: "some", metric: "cpu", action: "migrate", violations: 4, samples: 4, window: 4, needed: 3, firing: true, lastFiredAt: 4000, coolingDownUntil: 34_000 },
      { name: "all", metric: "cpu", action: "warn", violations: 4, samples: 4, window: 4, needed: 4, firing: true, lastFiredAt: 6000, coolingDownUntil: 36_000 },
    ]);
    expect(monitor.lastSample()?.at).toBe(6000);
  });

  test("a container rule fires when any container violates, naming the one that violated most", async () => {
    const c = (id: string, memoryMB: number) => ({ id, app: "web", replica: Number(id), cpuPercent: 1, memoryMB });
    const { firings, ticks } = scripted(3, [rule({ name: "fat", metric: "container_memory", bound: 100, window: 2, action: "migrate" })], [
      { containers: [c("0", 50), c("1", 150)] },
      { containers: [c("0", 150), c("1", 50)] },
      { containers: [c("0", 150), c("1", 50)] },
    ]);
    await ticks(2);
    expect(firings.map((f) => f.container)).toEqual([{ id: "0", app: "web", replica: 0 }]); // tie 1:1, "0" violated last
  });

  test("after firing, a rule rests for cooldown_ms of sample time", async () => {
    const { monitor, firings, ticks } = scripted(3, [rule({ name: "hot", window: 1, cooldown_ms: 2500 })], Array(6).fill({ cpuPercent: 95 }));
    await ticks(5);
    expect(firings.map((f) => f.at)).toEqual([1000, 4000]);
    expect(monitor.ruleStates()[0]).toMatchObject({ lastFiredAt: 4000, coolingDownUntil: 6500 });
  });

  test("reload keeps the samples; changed rules start afresh, unchanged ones keep their cooldown", async () => {
    const cpu = rule({ name: "cpu", bound: 80 });
    const mem = rule({ name: "mem", metric: "memory", bound: 90, window: 1 });
    const { monitor, firings, ticks } = scripted(3, [cpu, mem], Array(5).fill({ cpuPercent: 50, memoryPercent: 95 }));
    await ticks(3);
    expect(firings.map((f) => f.rule.name)).toEqual(["mem"]);

    monitor.reload([{ ...cpu, bound: 40 }, { ...mem }]);
    expect(monitor.ruleStates().map((s) => [s.name, s.firing, s.lastFiredAt])).toEqual([["cpu", true, null], ["mem", true, 1000]]);
    await ticks(1);
    expect(firings.map((f) => [f.rule.name, f.rule.bound, f.at])).toEqual([["mem", 90, 1000], ["cpu", 40, 4000]]);

    expect(() => monitor.reload([{ ...cpu, window: 4 }])).toThrow(/window 4 is larger than/);
    expect(monitor.ruleStates().map((s) => s.name)).toEqual(["cpu", "mem"]);
    monitor.reload([{ ...mem, cooldown_ms: 10 }]);
    await ticks(1);
    expect(firings.map((f) => [f.rule.name, f.at])).toEqual([["mem", 1000], ["cpu", 4000], ["mem", 5000]]);
  });

  test("a failing sample is logged and skipped; ticks never overlap", async () => {
    let release = () => {};
    const logs: string[] = [];
    let calls = 0;
    const sampler = {
      sample: () => {
        calls++;
        if (calls === 1) return Promise.reject(new Error("disk gone"));
        return new Promise<Sample>((resolve) => (release = () => resolve(fake({ at: 1 }))));
      },
    };
    const monitor = new Monitor({ intervalMs: 1000, window: 2, rules: [], sampler, onFire: () => {}, log: (l) => logs.push(l) });
    expect(await monitor.tick()).toBe(true);
    expect(logs).toEqual(["sampling failed, tick skipped: disk gone"]);
    const slow = monitor.tick();
    expect(await monitor.tick()).toBe(false);
    release();
    expect(await slow).toBe(true);
    expect(monitor.stats()).toMatchObject({ ticks: 2, skipped: 1, failed: 1 });
    expect(monitor.lastSample()?.at).toBe(1);
  });

  test("start() samples every interval until stop(), and counts each tick's CPU time", async () => {
    let at = 0;
    const monitor = new Monitor({ intervalMs: 20, window: 5, rules: [rule({ name: "never", bound: 100 })], onFire: () => {}, sampler: { sample: async () => fake({ at: ++at }) } });
    monitor.start();
    await Bun.sleep(250);
    monitor.stop();
    const stats = monitor.stats();
    expect(stats.ticks).toBeGreaterThanOrEqual(3);
    expect(stats.cpuMicrosTotal).toBeGreaterThanOrEqual(stats.lastTickMicros);
    await Bun.sleep(100);
    expect(monitor.stats().ticks).toBe(stats.ticks);
  });
});

describe("[[monitor.rules]] in config.toml", () => {
  const template = renderConfig(configSchema.parse({}));
  const withRules = (second: string) =>
    template.replace("rules = []\n", "") +
    ['', "[[monitor.rules]]", 'name = "cpu-high"', 'metric = "cpu"', 'comparator = ">"', "bound = 90", 'action = "warn"', "",
      "[[monitor.rules]]", 'name = "disk-full"', 'metric = "disk"', 'comparator = ">="', second, 'action = "migrate"', ""].join("\n");
  const failure = (source: string) => {
    try {
      parseConfig(source, "config.toml");
    } catch (err) {
      const message = (err as Error).message;
      const lineNo = Number(/^config\.toml:(\d+)/.exec(message)![1]);
      return { message, lineNo, line: source.split("\n")[lineNo - 1] };
    }
    throw new Error("expected the config to be rejected");
  };

  test("load as rules", () => {
    const { rules } = parseConfig(withRules("bound = 95\nwindow = 5"), "config.toml").monitor;
    expect(rules.map((r) => [r.name, r.metric, r.bound, r.unit, r.window, r.action])).toEqual([
      ["cpu-high", "cpu", 90, "percent", undefined, "warn"],
      ["disk-full", "disk", 95, "percent", 5, "migrate"],
    ]);
  });

  const bad: Array<[string, string, string, string]> = [
    ["a wrong type", 'bound = "high"', "[monitor] rules[1] bound: expected number, received string", 'bound = "high"'],
    ["an unknown key", "bound = 95\ncolour = 1", '[monitor] rules[1]: unknown key "colour"', "colour = 1"],
    ["a window over S", "bound = 95\nwindow = 11", "[monitor] rules[1] window: window 11 is larger than [monitor] window (10 samples kept)", "window = 11"],
    ["a percent bound over 100", "bound = 101", "[monitor] rules[1] bound: a percent bound must be between 0 and 100", "bound = 101"],
  ];
  for (const [what, second, message, offending] of bad) {
    test(`${what} names the offending line`, () => {
      const got = failure(withRules(second));
      expect(got.message).toMatch(/^config\.toml:\d+: /);
      expect(got.message).toEndWith(message);
      expect(got.line).toBe(offending);
    });
  }

  test("a duplicate name is an error on the second rule's name", () => {
    const source = withRules("bound = 95").replace('name = "disk-full"', 'name = "cpu-high"');
    const got = failure(source);
    expect(got.message).toEndWith('[monitor] rules[1] name: duplicate rule name "cpu-high"');
    expect(got.lineNo).toBe(source.split("\n").lastIndexOf('name = "cpu-high"') + 1);
  });

  test("tables next to the template's `rules = []` say which line to delete", () => {
    const source = withRules("bound = 95").replace("window = 10\n", "window = 10\nrules = []\n");
    expect(() => parseConfig(source, "config.toml")).toThrow(/already sets rules in \[monitor\]: delete it to use \[\[monitor\.rules\]\] tables/);
  });
});
