// `bun run build`: compile the contracts, then one self-contained binary per target, then dist/SHA256SUMS.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileContracts } from "./compile-contracts";

const ROOT = join(import.meta.dir, "..");
const DIST = join(ROOT, "dist");
const TARGETS = ["arm64", "x64"] as const;

function gitCommit(): string {
  const git = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: ROOT, stderr: "ignore" });
  if (git.exitCode !== 0) return "unknown";
  const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: ROOT }).stdout.toString().trim() !== "";
  return git.stdout.toString().trim() + (dirty ? "-dirty" : "");
}

export async function build(targets: readonly string[] = TARGETS): Promise<string[]> {
  await compileContracts();
  mkdirSync(DIST, { recursive: true });
  const commit = gitCommit();
  const outputs: string[] = [];
  for (const arch of targets) {
    const target = `bun-linux-${arch}`;
    const outfile = join(DIST, `edge-agent-linux-${arch}`);
    const started = performance.now();
    const proc = Bun.spawnSync(
      [process.execPath, "build", "agent.ts", "--compile", `--target=${target}`, "--minify", `--outfile=${outfile}`,
        "--define", `EDGE_AGENT_COMMIT=${JSON.stringify(commit)}`, "--define", `EDGE_AGENT_TARGET=${JSON.stringify(target)}`],
      { cwd: ROOT, stdout: "ignore", stderr: "pipe" },
    );
    if (proc.exitCode !== 0) throw new Error(`bun build for ${target} failed:\n${proc.stderr.toString()}`);
    const mb = (statSync(outfile).size / 2 ** 20).toFixed(1);
    console.error(`built ${outfile} (${mb} MiB, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    outputs.push(outfile);
  }
  const sums = TARGETS.map((arch) => `edge-agent-linux-${arch}`)
    .filter((name) => outputs.includes(join(DIST, name)))
    .map((name) => `${createHash("sha256").update(readFileSync(join(DIST, name))).digest("hex")}  ${name}`);
  writeFileSync(join(DIST, "SHA256SUMS"), sums.join("\n") + "\n");
  return outputs;
}

if (import.meta.main) await build(process.argv.slice(2).length > 0 ? process.argv.slice(2) : TARGETS);
