// CLI latency of the compiled x64 binary: `--version` and `status` (3-member cluster on anvil), median of N runs,
// plus binary sizes. Usage: bun bench/cli.ts [runs=9]   → prints figures, writes bench/out/cli.json
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "../scripts/build";
import { startAnvil } from "../test/support/anvil";
import { cliOk, initNode, removeTempDirs } from "../test/support/cli";

const runs = Number(process.argv[2] ?? 9);
const DIST = join(import.meta.dir, "../dist");
const binary = join(DIST, "edge-agent-linux-x64");
await build();
const anvil = await startAnvil();
const [a, b, c] = [await initNode("a", anvil.url), await initNode("b", anvil.url), await initNode("c", anvil.url)];
const token = (await cliOk(["cluster", "create", ...a.c])).stdout.trim();
for (const n of [b, c]) await cliOk(["join", "--cluster", token, ...n.c]);

async function timeRuns(args: string[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await cliOk(args, { command: [binary] });
    times.push(performance.now() - t0);
  }
  return times.sort((x, y) => x - y);
}
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;

const version = await timeRuns(["--version"]);
const status = await timeRuns(["status", ...a.c]);
await anvil.stop();
removeTempDirs();

const sizes = Object.fromEntries(["arm64", "x64"].map((arch) => [arch, statSync(join(DIST, `edge-agent-linux-${arch}`)).size]));
const result = {
  runs,
  versionMs: { median: Math.round(median(version)), min: Math.round(version[0]!), max: Math.round(version.at(-1)!) },
  statusMs: { median: Math.round(median(status)), min: Math.round(status[0]!), max: Math.round(status.at(-1)!) },
  binaryBytes: sizes,
};
console.log(`binary sizes: arm64 ${(sizes.arm64! / 2 ** 20).toFixed(1)} MiB, x64 ${(sizes.x64! / 2 ** 20).toFixed(1)} MiB`);
console.log(`--version: median ${result.versionMs.median} ms (min ${result.versionMs.min}, max ${result.versionMs.max}, ${runs} runs)`);
console.log(`status (3 members, anvil): median ${result.statusMs.median} ms (min ${result.statusMs.min}, max ${result.statusMs.max}, ${runs} runs)`);
mkdirSync(join(import.meta.dir, "out"), { recursive: true });
writeFileSync(join(import.meta.dir, "out", "cli.json"), JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2));
