// Deploy latency, command → every replica serving, broken down by phase, on anvil (automine) + dockerd + three
// compiled agents; then one agent's RSS idle with 3 containers.
// Usage: bun bench/deploy.ts [runs=5]   → prints medians, writes bench/out/deploy.json
//
// Phases (ms from spawning `edge-agent app deploy`, each the slowest of the three agents):
//   mined    the CLI returned: the deploy transaction is mined (through the daemon's socket)
//   seen     each agent's pass that saw the new app (its "block N: apps …" log line)
//   claimed  each agent's claim mined and its desired replica persisted ("desired state" line)
//   started  each container created and started ("start ea-…: ok" line)
//   serving  HTTP answers on each node's published port
//   reported the chain shows all three replicas running (the agents' report transactions)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JsonRpcProvider } from "ethers";
import { AppRegistry, DeviceRegistry } from "../lib/chain";
import { loadConfig } from "../lib/config";
import { requireMembership } from "../lib/cluster/membership";
import { build } from "../scripts/build";
import { httpBody, containersOf } from "../test/support/agents";
import { cliOk } from "../test/support/cli";
import { startCluster } from "../test/support/cluster";
import { ensureDocker } from "../test/support/dockerd";
import { TEST_IMAGE, ensureTestImage } from "../test/support/images";
import { freePort, waitFor } from "../test/support/ports";

const runs = Number(process.argv[2] ?? 5);
const BINARY = [join(import.meta.dir, "../dist/edge-agent-linux-x64")];
await build(["x64"]);
const docker = await ensureDocker();
await ensureTestImage(docker);
const cluster = await startCluster({ names: ["a", "b", "c"], ipBase: 11, command: BINARY });
const { anvil, nodes, agents } = cluster;
const provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
const registry = requireMembership(loadConfig(nodes[0]!.config)).registry;
const apps = new AppRegistry((await new DeviceRegistry(registry, provider).links()).apps, provider);
await Bun.sleep(2000);

type Phases = { mined: number; seen: number; claimed: number; started: number; serving: number; reported: number };

/** Latest timestamp over all agents' log lines after `since` that match `pattern`, as ms after t0. */
function logPhase(pattern: RegExp, since: number, t0: number): number {
  return Math.max(...agents.map((a) => {
    const line = a.logText().split("\n").find((l) => pattern.test(l) && Date.parse(l.slice(0, 24)) >= since);
    return line ? Date.parse(line.slice(0, 24)) - t0 : NaN;
  }));
}

async function oneRun(n: number): Promise<Phases> {
  const app = `bench${n}`;
  const port = await freePort();
  const t0 = Date.now();
  const serving = nodes.map((_, i) =>
    waitFor(`replica on node ${i}`, async () => (await httpBody(`127.0.0.${11 + i}`, port, 200)) !== null, 60_000).then(() => Date.now() - t0),
  );
  await cliOk(["app", "deploy", app, "--image", TEST_IMAGE, "--replicas", "3", "--spread", "--port", `${port}:80`, ...nodes[0]!.c], { command: BINARY });
  const mined = Date.now() - t0;
  const servingAt = Math.max(...(await Promise.all(serving)));
  await waitFor("all reported running", async () => (await apps.snapshot()).find((a) => a.name === app)?.replicas.every((r) => r.state === "running") === true, 30_000);
  const reported = Date.now() - t0;
  const phases = {
    mined,
    seen: logPhase(new RegExp(`apps .*${app} v1`), t0, t0),
    claimed: logPhase(new RegExp(`desired state: .*${app}#`), t0, t0),
    started: logPhase(new RegExp(`start ea-\\S+-${app}-\\d+: ok`), t0, t0),
    serving: servingAt,
    reported,
  };
  await cliOk(["app", "rm", app, ...nodes[0]!.c], { command: BINARY });
  await waitFor("containers removed", async () => (await Promise.all(nodes.map((nd) => containersOf(docker, nd, app)))).every((l) => l.length === 0), 30_000);
  return phases;
}

const results: Phases[] = [];
for (let n = 0; n < runs; n++) {
  results.push(await oneRun(n));
  console.log(`run ${n + 1}: ${JSON.stringify(results.at(-1))}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medians = Object.fromEntries(Object.keys(results[0]!).map((k) => [k, median(results.map((r) => r[k as keyof Phases]))])) as Phases;

// RSS of one agent running 3 containers, idle for 10 s.
await cliOk(["app", "deploy", "idle", "--image", TEST_IMAGE, "--replicas", "3", "--pin", "a", "--wait", ...nodes[0]!.c], { command: BINARY });
await Bun.sleep(10_000);
const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${agents[0]!.pid}/status`, "utf8"))![1]);

provider.destroy();
await cluster.stop(docker);

console.log(`\ndeploy latency, 3 replicas with --spread on 3 agents, anvil automine, median of ${runs} runs (ms after the command started):`);
console.table(medians);
console.log(`agent RSS, idle with 3 containers: ${(rssKiB / 1024).toFixed(1)} MiB (compiled x64 binary)`);
mkdirSync(join(import.meta.dir, "out"), { recursive: true });
writeFileSync(join(import.meta.dir, "out", "deploy.json"), JSON.stringify({ date: new Date().toISOString(), runs: results, medians, agentRssKiB: rssKiB }, null, 2));
