// Runs the edge-agent CLI from source as a separate process, as an operator would, and sets up node directories.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const AGENT = join(import.meta.dir, "../../agent.ts");

export type CliResult = { exitCode: number; stdout: string; stderr: string };

/** `edge-agent ARGS…`; `command` overrides how the agent is started (e.g. a compiled binary under qemu). */
export async function cli(args: string[], opts: { env?: Record<string, string>; command?: string[] } = {}): Promise<CliResult> {
  const proc = Bun.spawn([...(opts.command ?? [process.execPath, AGENT]), ...args], {
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { exitCode, stdout, stderr };
}

/** Like `cli`, but fails the test with the command's stderr when it exits non-zero. */
export async function cliOk(args: string[], opts: Parameters<typeof cli>[1] = {}): Promise<CliResult> {
  const result = await cli(args, opts);
  if (result.exitCode !== 0) throw new Error(`edge-agent ${args.join(" ")} exited ${result.exitCode}:\n${result.stderr}`);
  return result;
}

export type TestNode = { name: string; dir: string; config: string; address: string; c: string[] };

/** `init` a node in its own temp directory (cheap scrypt so tests stay fast). */
export async function initNode(name: string, rpc: string, root = tempDir()): Promise<TestNode> {
  const dir = join(root, name);
  const config = join(dir, "config.toml");
  const { stdout } = await cliOk(["init", "--name", name, "--config", config, "--data-dir", join(dir, "data"), "--rpc", rpc, "--scrypt-n", "1024"]);
  return { name, dir, config, address: stdout.trim(), c: ["--config", config] };
}

/** Flags that sign with the first admin's operator key, which `cluster create` on `creator` wrote into its data dir. */
export const adminKeyOf = (creator: TestNode): string[] => ["--operator", join(creator.dir, "data", "operator.json"), "--operator-password-file", join(creator.dir, "password")];

const made: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "edge-agent-test-"));
  made.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** An error a user sees: exactly one line on stderr, no stack trace, non-zero exit. */
export function oneLineError(result: CliResult): string {
  if (result.exitCode === 0) throw new Error(`expected a failure, got exit 0:\n${result.stdout}`);
  const lines = result.stderr.trim().split("\n").filter((l) => !l.startsWith("• "));
  if (lines.length !== 1 || /\n\s+at /.test(result.stderr)) throw new Error(`expected one error line, got:\n${result.stderr}`);
  return lines[0]!;
}

/** The cluster `node` recorded at create/join (`cluster show --json`). */
export async function clusterOf(node: TestNode): Promise<{ registry: string; chainId: string; genesisHash: string; blockPeriodS: number; fullNodesSeal: boolean; endpoints: string[]; mode: string }> {
  return JSON.parse((await cliOk(["cluster", "show", "--json", ...node.c])).stdout);
}
