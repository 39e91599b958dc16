// The local demo: one anvil chain, Docker, and three agents (each its own config, data dir and loopback address):
// init ×3, cluster create, join ×2, three `run` daemons, a 3-replica HTTP app, each replica answering, status, and one
// migration: a memory rule loaded on one node with `reload` moves its replica, and `events` tells the story.
// Usage: bun scripts/demo.ts [--keep]   (--keep leaves everything running until Ctrl-C)
import { mkdirSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "./build";
import type { AppView } from "../lib/apps/ops";
import { updateConfigFile } from "../test/support/config-edit";
import type { AuditEntry } from "../lib/workflow/audit";
import { startAnvil } from "../test/support/anvil";
import { ensureDocker } from "../test/support/dockerd";
import { TEST_IMAGE, ensureTestImage } from "../test/support/images";

const DEMO_DIR = join(import.meta.dir, "../.demo");
const ARCH = process.arch === "arm64" ? "arm64" : "x64";
const BINARY = join(import.meta.dir, `../dist/edge-agent-linux-${ARCH}`);
const APP_PORT = 18080;

function run(args: string[], echo = true): string {
  if (echo) console.log(`\n$ edge-agent ${args.join(" ").replace(/edge1\.\S+/, "<token>").replaceAll(DEMO_DIR, ".demo")}`);
  const proc = Bun.spawnSync([BINARY, ...args], { stdout: "pipe", stderr: echo ? "inherit" : "pipe" });
  if (echo) process.stdout.write(proc.stdout.toString());
  if (proc.exitCode !== 0) throw new Error(`edge-agent ${args[0]} exited ${proc.exitCode}`);
  return proc.stdout.toString().trim();
}

await build([ARCH]);
const docker = await ensureDocker();
await ensureTestImage(docker); // busybox httpd, imported locally: no registry is reachable here
rmSync(DEMO_DIR, { recursive: true, force: true });
mkdirSync(DEMO_DIR, { recursive: true });
const anvil = await startAnvil();
console.log(`anvil (dev chain 31337) on ${anvil.url}; nodes under .demo/`);

const nodes = ["pi-1", "pi-2", "pi-3"].map((name, i) => ({ name, ip: `127.0.0.${11 + i}`, config: join(DEMO_DIR, name, "config.toml") }));
const daemons: Array<ReturnType<typeof Bun.spawn>> = [];
try {
  for (const { name, config, ip } of nodes) {
    run(["init", "--name", name, "--config", config, "--data-dir", join(DEMO_DIR, name, "data"), "--rpc", anvil.url]);
    updateConfigFile(config, [{ section: "docker", key: "publish_address", value: ip }]);
  }
  const token = run(["cluster", "create", "--config", nodes[0]!.config]);
  for (const node of nodes.slice(1)) run(["join", "--cluster", token, "--config", node.config]);
  for (const node of nodes) {
    const log = openSync(join(DEMO_DIR, node.name, "agent.log"), "a");
    daemons.push(Bun.spawn([BINARY, "run", "--config", node.config], { stdout: log, stderr: log }));
    console.log(`\n$ edge-agent run --config .demo/${node.name}/config.toml &   # log: .demo/${node.name}/agent.log`);
  }
  run(["app", "deploy", "web", "--image", TEST_IMAGE, "--replicas", "3", "--spread", "--port", `${APP_PORT}:80`, "--wait", "--config", nodes[0]!.config]);
  console.log("");
  for (const { name, ip } of nodes) {
    const body = await (await fetch(`http://${ip}:${APP_PORT}/`)).text();
    console.log(`$ curl http://${ip}:${APP_PORT}/   # ${name}'s replica\n${body.trim()}`);
  }
  run(["status", "--config", nodes[2]!.config]);

  console.log("\n# A migration: an app with one replica, then a memory rule (bound 1 %, so it fires) on its node.");
  run(["app", "deploy", "api", "--image", TEST_IMAGE, "--wait", "--config", nodes[0]!.config]);
  const api = (JSON.parse(run(["app", "ls", "--json", "--config", nodes[0]!.config], false)) as AppView[]).find((a) => a.name === "api")!;
  const holder = nodes.find((n) => n.name === api.replicas[0]!.nodeName)!;
  const rule = { name: "demo-memory", metric: "memory", comparator: ">", bound: 1, action: "migrate", window: 2, cooldown_ms: 600_000 };
  updateConfigFile(holder.config, [{ section: "monitor", key: "rules", value: [rule] }]);
  console.log(`\n# in .demo/${holder.name}/config.toml, [monitor]: rules = [${JSON.stringify(rule)}]`);
  run(["reload", "--config", holder.config]);
  for (let i = 0; i < 120; i++) {
    const trail = JSON.parse(run(["events", "--json", "--config", nodes[0]!.config], false)) as AuditEntry[];
    if (trail.some((e) => e.phase === "resolved")) break;
    await Bun.sleep(500);
  }
  run(["events", "--config", nodes[0]!.config]);
  run(["app", "ls", "--config", nodes[0]!.config]);
  updateConfigFile(holder.config, [{ section: "monitor", key: "rules", value: [] }]);
  if (process.argv.includes("--keep")) {
    console.log(`\neverything keeps running; try: ${BINARY} app ls --config .demo/pi-1/config.toml   (Ctrl-C stops the demo)`);
    await new Promise((resolve) => process.once("SIGINT", resolve));
  }
} finally {
  if (daemons.length > 0) {
    const last = nodes[0]!.config;
    for (const app of ["web", "api"]) Bun.spawnSync([BINARY, "app", "rm", app, "--config", last], { stderr: "ignore" });
  }
  for (const d of daemons) d.kill("SIGTERM");
  await Promise.all(daemons.map((d) => d.exited));
  const leftovers = await docker.listContainers({ all: true, filters: { label: ["edge-agent.app"] } });
  for (const c of leftovers) if (c.Names.some((n) => n.startsWith("/ea-pi-"))) await docker.getContainer(c.Id).remove({ force: true });
  await anvil.stop();
}
