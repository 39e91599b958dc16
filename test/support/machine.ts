// A throwaway Debian "machine" for installer tests: the local Debian image with systemd as PID 1 in a container,
// sharing this host's network (so it reaches the test's HTTP server and anvil on loopback) and Docker socket.
// The host denies some capabilities, so `--privileged` fails ("unable to apply caps"); SYS_ADMIN plus unconfined
// seccomp/apparmor is what systemd needs here (cgroup v1, mounted read-write).

export type ExecResult = { exitCode: number; stdout: string; stderr: string };
export type Machine = { name: string; exec(script: string, env?: Record<string, string>, stdin?: string): Promise<ExecResult>; remove(): Promise<void> };

const LABEL = "edge-agent-test.machine";

export async function startMachine(image: string, name: string, opts: { platform?: string; volumes?: string[] } = {}): Promise<Machine> {
  await docker(["rm", "-f", name]);
  const run = await docker([
    "run", "-d", "--name", name, "--label", `${LABEL}=1`, ...(opts.platform ? ["--platform", opts.platform] : []), ...(opts.volumes ?? []).flatMap((v) => ["-v", v]),
    "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp",
    "-v", "/var/run/docker.sock:/var/run/docker.sock", "--network", "host", image, "/sbin/init",
  ]);
  if (run.exitCode !== 0) throw new Error(`docker run ${image} failed: ${run.stderr}`);
  const cancel = removeWhenWeExit(name);
  const machine: Machine = {
    name,
    exec: (script, env = {}, stdin) =>
      docker(["exec", ...(stdin !== undefined ? ["-i"] : []), ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]), name, "sh", "-c", script], stdin),
    async remove() {
      cancel();
      await docker(["rm", "-f", "-v", name]);
    },
  };
  // systemd is up when it says running or degraded (a unit that needs real hardware may fail in a container).
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = (await machine.exec("systemctl is-system-running 2>/dev/null || true")).stdout.trim();
    if (state === "running" || state === "degraded") return machine;
    if (Date.now() > deadline) throw new Error(`systemd in ${name} did not come up (state "${state}"): ${(await docker(["logs", name])).stdout.slice(-2000)}`);
    await Bun.sleep(300);
  }
}

async function docker(args: string[], stdin?: string): Promise<ExecResult> {
  const proc = Bun.spawn(["docker", ...args], { stdin: stdin !== undefined ? new Blob([stdin]) : "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { exitCode, stdout, stderr };
}

/** `bun test` runs no exit handlers: a tiny sh removes the container once the pipe only we hold closes. */
function removeWhenWeExit(name: string): () => void {
  const watchdog = Bun.spawn(["sh", "-c", 'read _; docker rm -f -v "$0" >/dev/null 2>&1', name], { stdin: "pipe", stdout: "ignore", stderr: "ignore" });
  watchdog.unref();
  return () => watchdog.kill("SIGKILL");
}
