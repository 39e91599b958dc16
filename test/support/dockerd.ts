// Shared Docker Engine for tests: reuse the one on /var/run/docker.sock, or start dockerd for this process.
import Docker from "dockerode";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./ports";

const SOCKET = "/var/run/docker.sock";
const LOG = join(tmpdir(), "edge-agent-dockerd.log");
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

  const bin = [Bun.which("dockerd"), "/usr/sbin/dockerd", "/usr/bin/dockerd"].find((p) => p && existsSync(p));
  if (!bin) throw new Error("dockerd is not installed: run scripts/bootstrap.sh");

  for (const extra of ATTEMPTS) {
    const fd = openSync(LOG, extra === ATTEMPTS[0] ? "w" : "a");
    const proc = Bun.spawn([bin, ...extra], { stdin: "ignore", stdout: fd, stderr: fd });
    closeSync(fd);
    let exited = false;
    void proc.exited.then(() => (exited = true));
    try {
      await waitFor(`dockerd on ${SOCKET} (log: ${LOG})`, async () => exited || (await answers(docker)), 60_000);
    } catch (err) {
      proc.kill("SIGKILL");
      throw err;
    }
    if (!exited) {
      proc.unref();
      killWhenWeExit(proc.pid);
      return docker;
    }
    // Ours died: maybe another process started an engine meanwhile, else try the next storage driver.
    if (await answers(docker)) return docker;
  }
  const tail = readFileSync(LOG, "utf8").trim().split("\n").slice(-5).join("\n");
  throw new Error(`dockerd failed to start (full log: ${LOG}):\n${tail}`);
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
