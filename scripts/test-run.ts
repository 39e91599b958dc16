// The test runner behind `bash scripts/test.sh` and `bun run test:quick`: each test file in its own `bun test`
// process, TEST_JOBS of them at once (most of the suite waits on blocks, graces and containers, so files overlap well
// even on two cores), longest first by the last measured times. Before any file: a clean start (scripts/test-clean.ts),
// one Docker Engine for the whole run (no test process starts or stops its own), the test images, the contracts.
// After: the failures with their output, a timing table (test/artifacts/timings.json), the HEAD's result in
// .git/edge-agent-last-test, and as the last line "N passed, N failed".
//
//   bun scripts/test-run.ts                      every test file
//   bun scripts/test-run.ts test/unit test/x.ts  those files and directories
//   TEST_JOBS=1 bun scripts/test-run.ts          one file at a time
import { Glob } from "bun";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { compileContracts } from "./compile-contracts";
import { cleanStart } from "./test-clean";
import { ensureDebianImage } from "../test/support/debian";
import { SHARED_ENGINE_ENV, engineForRun } from "../test/support/dockerd";
import { ensureTestImage } from "../test/support/images";

const ROOT = join(import.meta.dir, "..");
const ARTIFACTS = join(ROOT, "test", "artifacts");
const LOGS = join(ARTIFACTS, "logs");
const TIMINGS = join(ARTIFACTS, "timings.json");
/** Seconds per file measured on this machine (file → seconds with its hooks), committed: the order on a fresh clone. */
const DURATIONS = join(ROOT, "test", "durations.json");
/** 3 at once: measured on this 2-core machine (README, "Tests and benchmarks"). */
const DEFAULT_JOBS = 3;
const UNKNOWN_S = 30;
/** A file still running after this long is killed and counted as failed (bun's own per-test timeouts come first). */
const FILE_DEADLINE_S = Number(process.env.TEST_FILE_DEADLINE_S ?? 900);
/**
 * Files that run by themselves, after the others, with nothing beside them: the arm64 install runs an emulated
 * systemd, agent and Debian userland under qemu-user for minutes and needs both cores. docker.test's registry pulls
 * stalled twice in six runs beside other files (the engine silent for 60 s and more; the cause is not found yet),
 * never alone: it runs alone (25 s) until the cause is known.
 */
const ALONE = new Set(["test/install-arm64.e2e.test.ts", "test/docker.test.ts"]);
/** Files of one group never run at the same time: they all build into dist/. */
const EXCLUSIVE = [new Set(["test/binary.test.ts", "test/install.e2e.test.ts", "test/install-arm64.e2e.test.ts"])];
/** Files that need the Debian images (built once per machine, before the files start, so no two build at once). */
const NEEDS_DEBIAN = { "test/install.e2e.test.ts": "amd64", "test/install-arm64.e2e.test.ts": "arm64" } as const;

type FileResult = { file: string; tests: number; passed: number; failed: number; seconds: number; exit: number | string; log: string };

const jobs = Math.max(1, Number(process.env.TEST_JOBS ?? DEFAULT_JOBS) || DEFAULT_JOBS);
const files = selectFiles(process.argv.slice(2));
const t0 = performance.now();
const running = new Map<string, number>(); // file → pid (its process group)

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const pid of running.values()) killGroup(pid);
    console.log(`\n${signal}: stopped ${running.size} running test file(s)`);
    process.exit(130);
  });
}

// Setup: what every file needs, once.
await compileContracts();
const engine = await engineForRun();
await cleanStart(engine.docker, (line) => console.log(line));
await ensureTestImage(engine.docker);
await Promise.all(Object.entries(NEEDS_DEBIAN).filter(([file]) => files.includes(file)).map(async ([, arch]) => {
  const t = performance.now();
  const image = await ensureDebianImage(engine.docker, arch);
  const s = (performance.now() - t) / 1000;
  if (s > 5) console.log(`built ${image} in ${s.toFixed(0)} s`);
}));
rmSync(LOGS, { recursive: true, force: true });
mkdirSync(LOGS, { recursive: true });
const setupSeconds = (performance.now() - t0) / 1000;
const parallel = files.filter((f) => !ALONE.has(f));
const alone = files.filter((f) => ALONE.has(f));
console.log(`setup ${setupSeconds.toFixed(0)} s (engine ${engine.started ? "started" : "reused"}); ${files.length} test files: ${parallel.length} ${jobs} at a time, then ${alone.length} alone`);

const results: FileResult[] = [];
writeLastTest(["result: running"]); // a run killed before its end leaves this, not an older pass
await pool(parallel, jobs);
await pool(alone, 1);
const wallSeconds = (performance.now() - t0) / 1000;
await engine.stop();
report();

function selectFiles(args: string[]): string[] {
  const glob = new Glob("**/*.test.ts");
  const under = (dir: string) => [...glob.scanSync({ cwd: join(ROOT, dir) })].map((f) => join(dir, f));
  const named = args.length === 0 ? ["test"] : args;
  const out = new Set<string>();
  for (const arg of named) {
    const rel = relative(ROOT, join(process.cwd(), arg));
    if (!existsSync(join(ROOT, rel))) {
      console.error(`test-run: ${arg}: no such file or directory`);
      process.exit(2);
    }
    for (const f of statSync(join(ROOT, rel)).isDirectory() ? under(rel) : [rel]) out.add(f);
  }
  const known = measured();
  return [...out].sort((a, b) => (known[b] ?? UNKNOWN_S) - (known[a] ?? UNKNOWN_S) || a.localeCompare(b));
}

/** Seconds per file: the committed ones, overlaid with the last run's on this machine for the files that passed in it
 * (a file that failed early would otherwise be scheduled as short next time). */
function measured(): Record<string, number> {
  const read = (path: string): unknown => {
    try {
      return JSON.parse(readFileSync(path, "utf8"));
    } catch {
      return undefined; // not there yet
    }
  };
  const committed = (read(DURATIONS) ?? {}) as Record<string, number>;
  const last = read(TIMINGS) as { files?: FileResult[] } | undefined;
  const passedLast = (last?.files ?? []).filter((f) => f.exit === 0 && f.failed === 0);
  return { ...committed, ...Object.fromEntries(passedLast.map((f) => [f.file, f.seconds])) };
}

/** Runs `queue` (longest first) `width` at a time; a file waits while another of its exclusive group runs. */
async function pool(queue: string[], width: number): Promise<void> {
  const waiting = [...queue];
  const busy = new Set<Promise<void>>();
  const blocked = (f: string) => EXCLUSIVE.some((g) => g.has(f) && [...running.keys()].some((r) => g.has(r)));
  while (waiting.length > 0 || busy.size > 0) {
    while (busy.size < width) {
      const i = waiting.findIndex((f) => !blocked(f));
      if (i < 0) break;
      const file = waiting.splice(i, 1)[0]!;
      const p: Promise<void> = runFile(file).then((r) => {
        results.push(r);
        busy.delete(p);
        const mark = r.exit === 0 && r.failed === 0 ? "ok  " : "FAIL";
        console.log(`${mark} ${r.file}  ${r.passed} pass, ${r.failed} fail  ${r.seconds.toFixed(1)} s  [${results.length}/${files.length}, ${((performance.now() - t0) / 60_000).toFixed(1)} min]`);
      });
      busy.add(p);
    }
    if (busy.size > 0) await Promise.race(busy);
    else if (waiting.length > 0) throw new Error(`test-run: nothing can start: ${waiting.join(", ")}`);
  }
}

/** One `bun test` process for `file`, in its own process group (killed whole when it ends: no stray agent outlives it). */
async function runFile(file: string): Promise<FileResult> {
  const logPath = join(LOGS, file.replaceAll("/", "__") + ".log");
  const fd = openSync(logPath, "w");
  const started = performance.now();
  const child = spawn(process.execPath, ["test", "--timeout", "60000", `./${file}`], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", fd, fd],
    env: { ...process.env, [SHARED_ENGINE_ENV]: "shared", FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  closeSync(fd);
  running.set(file, child.pid!);
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid!);
  }, FILE_DEADLINE_S * 1000);
  const exit = await new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  clearTimeout(deadline);
  killGroup(child.pid!);
  running.delete(file);
  const log = readFileSync(logPath, "utf8");
  const passed = summary(log, "pass");
  let failed = summary(log, "fail");
  // A file that crashed, timed out or exited non-zero with no failed test still counts as one failure.
  if ((exit !== 0 || timedOut || passed + failed === 0) && failed === 0) failed = 1;
  return { file, tests: passed + summary(log, "fail"), passed, failed, seconds: (performance.now() - started) / 1000, exit: timedOut ? `killed after ${FILE_DEADLINE_S} s` : exit, log };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // the group is gone
  }
}

/** bun's closing "N pass" / "N fail" line. */
function summary(log: string, what: "pass" | "fail"): number {
  const m = [...log.matchAll(new RegExp(`^\\s*(\\d+) ${what}$`, "gm"))];
  return m.length > 0 ? Number(m.at(-1)![1]) : 0;
}

/** A failed file's output: its failing tests with what bun printed before each, else (a crash) its last lines. */
function failureText(r: FileResult): string {
  const lines = r.log.split("\n");
  const out: string[] = [];
  let since = 0;
  for (const [i, line] of lines.entries()) {
    if (/^\(pass\) /.test(line)) since = i + 1;
    else if (/^\(fail\) /.test(line)) {
      out.push(...lines.slice(Math.max(since, i - 80), i + 1));
      since = i + 1;
    }
  }
  if (out.length === 0) out.push(...lines.slice(-60));
  return out.join("\n");
}

function report(): void {
  const failedFiles = results.filter((r) => r.exit !== 0 || r.failed > 0);
  for (const r of failedFiles) {
    console.log(`\n━━ FAILED: ${r.file} (exit ${r.exit}; whole log ${relative(ROOT, join(LOGS, r.file.replaceAll("/", "__") + ".log"))}) ━━`);
    console.log(failureText(r));
  }
  const sorted = [...results].sort((a, b) => b.seconds - a.seconds);
  const width = Math.max(...sorted.map((r) => r.file.length), 4);
  console.log(`\n${"file".padEnd(width)}  tests  seconds  result`);
  for (const r of sorted) console.log(`${r.file.padEnd(width)}  ${String(r.tests).padStart(5)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.exit === 0 && r.failed === 0 ? "pass" : "FAIL"}`);
  const passed = results.reduce((s, r) => s + r.passed, 0);
  const failed = results.reduce((s, r) => s + r.failed, 0);
  const sumSeconds = results.reduce((s, r) => s + r.seconds, 0);
  console.log(`setup ${setupSeconds.toFixed(0)} s; files ${sumSeconds.toFixed(0)} s one after another; wall ${(wallSeconds / 60).toFixed(1)} min with ${jobs} jobs`);
  for (const r of failedFiles) for (const l of r.log.split("\n").filter((l) => l.startsWith("(fail) "))) console.log(`failed: ${r.file}: ${l.slice(7)}`);
  for (const r of failedFiles.filter((r) => !/^\(fail\) /m.test(r.log))) console.log(`failed: ${r.file}: exit ${r.exit}, no test failed by name`);

  const { head, dirty } = revision();
  const result = failed === 0 && passed > 0 ? "pass" : "fail";
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(TIMINGS, JSON.stringify({ head, dirty, jobs, setupSeconds: round(setupSeconds), wallSeconds: round(wallSeconds), passed, failed, files: sorted.map(({ log: _, ...r }) => ({ ...r, seconds: round(r.seconds) })) }, null, 2) + "\n");
  writeLastTest([`passed: ${passed}`, `failed: ${failed}`, `minutes: ${(wallSeconds / 60).toFixed(1)}`, `finished: ${new Date().toISOString()}`, `result: ${result}`]);
  if (passed === 0) console.log("no test ran");
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(result === "pass" ? 0 : 1);
}

function revision(): { head: string; dirty: boolean } {
  return { head: git(["rev-parse", "HEAD"]), dirty: git(["status", "--porcelain", "--untracked-files=no"]) !== "" };
}

/** .git/edge-agent-last-test (in a worktree, its own git dir): which HEAD ran which files, and how it went. */
function writeLastTest(lines: string[]): void {
  const path = git(["rev-parse", "--git-path", "edge-agent-last-test"]);
  if (!path) return;
  const { head, dirty } = revision();
  const which = process.argv.length <= 2 ? "all" : process.argv.slice(2).join(" ");
  const header = [`head: ${head}${dirty ? " (with uncommitted changes)" : ""}`, `files: ${which}`, `jobs: ${jobs}`, `started: ${new Date(Date.now() - (performance.now() - t0)).toISOString()}`];
  writeFileSync(resolve(ROOT, path), [...header, ...lines, ""].join("\n"));
}

function git(args: string[]): string {
  const r = Bun.spawnSync(["git", ...args], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
  return r.exitCode === 0 ? r.stdout.toString().trim() : "";
}

function round(s: number): number {
  return Math.round(s * 10) / 10;
}
