// HIDRA's figure 4 here: monitor CPU per tick and CPU % for T × R (never-firing rules), real sampler; `bun bench/monitor.ts` → bench/out/monitor.json.
import Docker from "dockerode";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createSampler, Monitor, ruleSchema, type ContainerRef, type RuleInput } from "../lib/monitor";
import { ensureTestImage, TEST_IMAGE } from "../test/support/images";

// S = 10; three idle containers are sampled too when Docker answers on /var/run/docker.sock. Takes about two minutes.
const INTERVALS_MS = [250, 500, 1000, 2000];
const RULE_COUNTS = [1, 5, 10, 20];
const ticksAt = (intervalMs: number) => (intervalMs <= 1000 ? 10 : 5);

// One of each metric, with bounds no sample can reach.
const NEVER: Array<Omit<RuleInput, "name" | "action">> = [
  { metric: "cpu", comparator: ">", bound: 100 },
  { metric: "memory", comparator: ">", bound: 100 },
  { metric: "disk", comparator: ">", bound: 100 },
  { metric: "temperature", comparator: ">", bound: 1000 },
  { metric: "net_rx", comparator: ">", bound: 1e12 },
  { metric: "net_tx", comparator: ">", bound: 1e12 },
  { metric: "container_cpu", comparator: ">", bound: 100 },
  { metric: "container_memory", comparator: ">", bound: 1e9 },
];
const rulesOf = (count: number) =>
  Array.from({ length: count }, (_, i) => ruleSchema.parse({ ...NEVER[i % NEVER.length]!, name: `r${i}`, action: "migrate", window: 3 }));

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const containers: ContainerRef[] = [];
if (await docker.ping().then(() => true, () => false)) {
  await ensureTestImage(docker);
  for (let replica = 0; replica < 3; replica++) {
    const c = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ["sleep", "3600"], name: `edge-agent-bench-monitor-${process.pid}-${replica}` });
    await c.start();
    containers.push({ id: c.id, app: "idle", replica });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sampler = createSampler({ dataDir: tmpdir(), containers: async () => containers });
for (let i = 0; i < 5; i++) await sampler.sample(); // load systeminformation, warm the JIT

// What this process costs doing nothing for 5 s: the floor under "process CPU %".
const idleBefore = process.cpuUsage();
await Bun.sleep(5000);
const idle = process.cpuUsage(idleBefore);
const idleCpuPercent = ((idle.user + idle.system) / 5e6) * 100;

const runs = [];
try {
  for (const intervalMs of INTERVALS_MS) {
    for (const ruleCount of RULE_COUNTS) {
      const monitor = new Monitor({
        intervalMs, window: 10, rules: rulesOf(ruleCount), sampler,
        onFire: (f) => console.error(`unexpected firing of ${f.rule.name}`), log: (line) => console.error(line),
      });
      const tickMicros: number[] = [];
      const { promise: enoughTicks, resolve } = Promise.withResolvers<void>();
      const tick = monitor.tick.bind(monitor);
      monitor.tick = async () => {
        const ran = await tick();
        if (ran) tickMicros.push(monitor.stats().lastTickMicros);
        if (tickMicros.length === ticksAt(intervalMs)) resolve();
        return ran;
      };
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      monitor.start();
      await enoughTicks;
      monitor.stop();
      const cpu = process.cpuUsage(cpuBefore);
      const wallMicros = (performance.now() - wallBefore) * 1000;
      const medianMicros = median(tickMicros);
      runs.push({
        intervalMs, rules: ruleCount, ticks: tickMicros.length, medianTickMicros: medianMicros,
        maxTickMicros: Math.max(...tickMicros),
        tickCpuPercent: (medianMicros / (intervalMs * 1000)) * 100, // median tick CPU time / T
        processCpuPercent: ((cpu.user + cpu.system) / wallMicros) * 100, // the whole process over the run, timers and GC included
      });
      const r = runs.at(-1)!;
      console.error(`T=${intervalMs} R=${ruleCount}: ${r.medianTickMicros} µs/tick, ${r.tickCpuPercent.toFixed(3)} %`);
    }
  }
} finally {
  await Promise.all(containers.map((c) => docker.getContainer(c.id).remove({ force: true })));
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
console.log(`monitor CPU per tick (S = 10, ${containers.length} containers, ${cpus().length} CPUs: ${cpus()[0]?.model ?? "?"}); CPU % is of one core`);
console.log(`the idle process alone: ${round(idleCpuPercent, 3)} % CPU`);
console.table(runs.map((r) => ({
  "T ms": r.intervalMs, R: r.rules, ticks: r.ticks, "median µs/tick": r.medianTickMicros, "max µs/tick": r.maxTickMicros,
  "tick CPU %": round(r.tickCpuPercent, 3), "process CPU %": round(r.processCpuPercent, 3),
})));
mkdirSync(join(import.meta.dir, "out"), { recursive: true });
writeFileSync(
  join(import.meta.dir, "out", "monitor.json"),
  JSON.stringify({ date: new Date().toISOString(), window: 10, containers: containers.length, idleCpuPercent, cpus: cpus().length, cpuModel: cpus()[0]?.model, bun: Bun.version, runs }, null, 2),
);
