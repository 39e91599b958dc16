// Shared Docker Engine for tests: reuse the one on /var/run/docker.sock, or start dockerd for this process.
// Under scripts/test-run.ts the run owns one engine (engineForRun) and sets EDGE_AGENT_TEST_ENGINE=shared, so that
// no test process starts one of its own, or stops it under the others when it ends.
import Docker from "dockerode";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { waitFor } from "./ports";

const SOCKET = "/var/run/docker.sock";
const PIDFILE = "/var/run/docker.pid";
const LOG = join(tmpdir(), "edge-agent-dockerd.log");
/** The dockerd a test run started, while it runs (and after it, if the run was killed): test/artifacts/dockerd.pid. */
const RUN_PID = join(import.meta.dir, "..", "artifacts", "dockerd.pid");
export const SHARED_ENGINE_ENV = "EDGE_AGENT_TEST_ENGINE";
// Tried in order: let dockerd pick its storage driver (overlay2 here), then the always-working vfs.
const ATTEMPTS = [[], ["--storage-driver=vfs"]];

let engine: Promise<Docker> | undefined;

/** The test engine, started at most once per process; stopped at exit only if we started it. */
export function ensureDocker(): Promise<Docker> {
  engine ??= connectOrStart().catch((err) => {
    engine = undefined;
    throw err;
  });
  return engine;
}

async function answers(docker: Docker): Promise<boolean> {
  return await docker.ping().then(() => true, () => false);
}

async function connectOrStart(): Promise<Docker> {
  const docker = new Docker({ socketPath: SOCKET });
  if (await answers(docker)) return docker;
  if (process.env[SHARED_ENGINE_ENV] === "shared") throw new Error(`the test run's dockerd does not answer on ${SOCKET} (log: ${LOG})`);
  const proc = await startDockerd(docker);
  proc.unref();
  killWhenWeExit(proc.pid);
  return docker;
}

/** Starts dockerd and waits until it answers; `ownSession`: in a session of its own (a Ctrl-C of ours misses it). */
async function startDockerd(docker: Docker, ownSession = false): Promise<ReturnType<typeof Bun.spawn>> {
  const bin = [Bun.which("dockerd"), "/usr/sbin/dockerd", "/usr/bin/dockerd"].find((p) => p && existsSync(p));
  if (!bin) throw new Error("dockerd is not installed: run scripts/bootstrap.sh");

  for (const extra of ATTEMPTS) {
    const fd = openSync(LOG, extra === ATTEMPTS[0] ? "w" : "a");
    const proc = Bun.spawn([...(ownSession ? ["setsid"] : []), bin, ...extra], { stdin: "ignore", stdout: fd, stderr: fd });
    closeSync(fd);
    let exited = false;
    void proc.exited.then(() => (exited = true));
    try {
      await waitFor(`dockerd on ${SOCKET} (log: ${LOG})`, async () => exited || (await answers(docker)), 60_000);
    } catch (err) {
      proc.kill("SIGKILL");
      throw err;
    }
    if (!exited) return proc;
    // Ours died: try the next storage driver.
  }
  const tail = readFileSync(LOG, "utf8").trim().split("\n").slice(-5).join("\n");
  throw new Error(`dockerd failed to start (full log: ${LOG}):\n${tail}`);
}

/**
 * The engine for a whole test run: the one answering on the socket, else a dockerd started here. `stop()` stops it
 * only if a test run started it (this one, or an earlier one that was killed: test/artifacts/dockerd.pid), never a
 * system engine. A dockerd that is there but does not answer (wedged, or still shutting down) is waited for, then killed.
 */
export async function engineForRun(): Promise<{ docker: Docker; started: boolean; stop(): Promise<void> }> {
  const docker = new Docker({ socketPath: SOCKET });
  const pidOr0 = () => {
    const pid = existsSync(PIDFILE) ? Number(readFileSync(PIDFILE, "utf8").trim()) : 0;
    return pid > 0 && existsSync(`/proc/${pid}`) ? pid : 0;
  };
  let pid = pidOr0();
  if (pid && !(await answers(docker))) {
    await waitFor(`dockerd ${pid} to answer or exit`, async () => (await answers(docker)) || pidOr0() === 0, 20_000).catch(() => {
      process.kill(pid, "SIGKILL");
    });
    await waitFor(`dockerd ${pid} to exit`, () => pidOr0() !== pid || answers(docker), 10_000);
  }
  let started = false;
  if (!(await answers(docker))) {
    const proc = await startDockerd(docker, true);
    proc.unref();
    mkdirSync(dirname(RUN_PID), { recursive: true });
    writeFileSync(RUN_PID, `${pidOr0() || proc.pid}\n`); // dockerd's own pid file: setsid may have forked
    started = true;
  }
  pid = pidOr0();
  const ours = existsSync(RUN_PID) && Number(readFileSync(RUN_PID, "utf8").trim()) === pid;
  return {
    docker,
    started,
    async stop() {
      if (!ours || !pid) return;
      process.kill(pid, "SIGTERM");
      await waitFor(`dockerd ${pid} to stop`, () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "), 30_000)
        .catch(() => process.kill(pid, "SIGKILL"));
      rmSync(RUN_PID, { force: true });
    },
  };
}

/**
 * Sends SIGTERM to `pid` when this process ends, however it ends: `bun test` never fires process "exit"
 * listeners (oven-sh/bun#8434), so a tiny sh watchdog waits for EOF on a pipe only we hold open.
 * Returns a cancel function (call it once `pid` has been stopped another way).
 */
export function killWhenWeExit(pid: number): () => void {
  const watchdog = Bun.spawn(["sh", "-c", 'read _; kill -TERM "$0" 2>/dev/null', String(pid)], {
    stdin: "pipe",
    stdout: "ignore",
    stderr: "ignore",
  });
  watchdog.unref();
  return () => watchdog.kill("SIGKILL");
}
