// Migration latency by phase (see bench/migration-phases.ts), and node-loss reschedule time, with three compiled agents
// on anvil + dockerd, once with automine and once with 1 s blocks. Usage: bun bench/migration.ts [runs=5]
//   → prints medians, writes bench/out/migration.json
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AppView } from "../lib/apps/ops";
import { updateConfigFile } from "../test/support/config-edit";
import { build } from "../scripts/build";
import { containersOf, httpBody, startAgent } from "../test/support/agents";
import { measureMigrations, median, medians, webApp } from "./migration-phases";
import { cliOk } from "../test/support/cli";
import { startCluster } from "../test/support/cluster";
import { ensureDocker } from "../test/support/dockerd";
import { TEST_IMAGE, ensureTestImage } from "../test/support/images";
import { freePort, waitFor } from "../test/support/ports";

const runs = Number(process.argv[2] ?? 5);
const BINARY = [join(import.meta.dir, "../dist/edge-agent-linux-x64")];
const GRACE_MS = 10_000;

await build(["x64"]);
const docker = await ensureDocker();
await ensureTestImage(docker);

async function scenario(label: string, prefix: string, anvilArgs: string[]) {
  const cluster = await startCluster({
    names: ["a", "b", "c"].map((n) => `${prefix}-${n}`),
    ipBase: 41,
    anvilArgs,
    command: BINARY,
    settings: [
      { section: "cluster", key: "liveness_grace_ms", value: GRACE_MS },
      { section: "cluster", key: "resync_interval_ms", value: 1000 },
      { section: "monitor", key: "interval_ms", value: 250 },
      { section: "monitor", key: "window", value: 4 },
    ],
  });
  const { nodes, agents, ip, indexOf } = cluster;
  const port = await freePort();
  await cliOk(["app", "deploy", "web", "--image", TEST_IMAGE, "--replicas", "2", "--spread", "--port", `${port}:80`, "--wait", ...nodes[0]!.c], { command: BINARY });
  const measured = { ...cluster, command: () => BINARY };
  const web = () => webApp(measured);
  const migrations = await measureMigrations(docker, measured, port, runs, label);

  // Node loss: kill -9 the agent holding replica 1 and stop its container; time until the replica serves elsewhere.
  const losses: number[] = [];
  for (let run = 0; run < Math.min(3, runs); run++) {
    const app = await web();
    const victim = indexOf(app.replicas[1]!.node);
    const spare = [0, 1, 2].find((i) => !app.replicas.some((r) => indexOf(r.node) === i))!;
    await agents[victim]!.stop("SIGKILL");
    for (const c of await containersOf(docker, nodes[victim]!, "web")) await docker.getContainer(c.Id).stop({ t: 0 });
    const t0 = Date.now();
    await waitFor("rescued replica serving", async () => (await httpBody(ip(spare), port, 200)) !== null, GRACE_MS + 60_000);
    losses.push(Date.now() - t0);
    console.log(`${label} node loss ${run + 1}: ${losses.at(-1)} ms`);
    agents[victim] = startAgent(nodes[victim]!, BINARY);
    await waitFor("victim cleaned up", async () => (await containersOf(docker, nodes[victim]!, "web")).length === 0, 60_000);
    await Bun.sleep(GRACE_MS); // let it count as alive again
  }

  await cluster.stop(docker);
  return { label, migrations, medians: medians(migrations), nodeLossMs: losses, nodeLossMedianMs: median(losses) };
}

const only = process.env.MIGRATION_BENCH_ONLY; // "automine" or "blocks" to run one scenario
const results = [
  ...(only === "blocks" ? [] : [await scenario("automine", "auto", [])]),
  ...(only === "automine" ? [] : [await scenario("1 s blocks", "blk", ["--block-time", "1"])]),
];
console.log(`\nmigration latency by phase, median of ${runs} runs (ms after the rule was loaded):`);
console.table(Object.fromEntries(results.map((r) => [r.label, r.medians])));
for (const r of results) console.log(`node-loss reschedule (${r.label}, grace ${GRACE_MS / 1000} s): median ${r.nodeLossMedianMs} ms of ${r.nodeLossMs.length}`);
mkdirSync(join(import.meta.dir, "out"), { recursive: true });
writeFileSync(join(import.meta.dir, "out", "migration.json"), JSON.stringify({ date: new Date().toISOString(), graceMs: GRACE_MS, results }, null, 2));
