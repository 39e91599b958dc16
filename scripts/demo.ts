// The local demo: one anvil chain, three agents (each its own config and data dir) — create, join, join, status.
// Usage: bun scripts/demo.ts [--keep]   (--keep leaves anvil running and prints how to use the nodes)
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "./build";
import { startAnvil } from "../test/support/anvil";

const DEMO_DIR = join(import.meta.dir, "../.demo");
const ARCH = process.arch === "arm64" ? "arm64" : "x64";
const BINARY = join(import.meta.dir, `../dist/edge-agent-linux-${ARCH}`);

function run(args: string[], echo = true): string {
  if (echo) console.log(`\n$ edge-agent ${args.join(" ").replace(/edge1\.\S+/, "<token>")}`);
  const proc = Bun.spawnSync([BINARY, ...args], { stdout: "pipe", stderr: "inherit" });
  const out = proc.stdout.toString();
  if (echo) process.stdout.write(out);
  if (proc.exitCode !== 0) throw new Error(`edge-agent ${args[0]} exited ${proc.exitCode}`);
  return out.trim();
}

await build([ARCH]);
rmSync(DEMO_DIR, { recursive: true, force: true });
mkdirSync(DEMO_DIR, { recursive: true });
const anvil = await startAnvil();
console.log(`anvil (dev chain 31337) on ${anvil.url}; nodes under ${DEMO_DIR}`);

try {
  const nodes = ["pi-1", "pi-2", "pi-3"].map((name) => ({ name, config: join(DEMO_DIR, name, "config.toml") }));
  for (const { name, config } of nodes) {
    run(["init", "--name", name, "--config", config, "--data-dir", join(DEMO_DIR, name, "data"), "--rpc", anvil.url]);
  }
  const token = run(["cluster", "create", "--config", nodes[0]!.config]);
  for (const node of nodes.slice(1)) run(["join", "--cluster", token, "--config", node.config]);
  run(["status", "--config", nodes[2]!.config]);
  if (process.argv.includes("--keep")) {
    console.log(`\nanvil keeps running; try: ${BINARY} status --config ${nodes[0]!.config}   (Ctrl-C to stop)`);
    await new Promise(() => {});
  }
} finally {
  await anvil.stop();
}
