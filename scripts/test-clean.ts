// The test command's clean start: removes what an earlier run left behind when it was killed (`kill -9` of the test
// command leaves its `bun test` processes, their agents, anvils and geths running, and their containers, network
// namespaces and mounts in place). scripts/test-run.ts calls it first; `bun scripts/test-clean.ts` runs it alone.
//
// What counts as the tests': processes of the tests' programs whose working directory is this checkout or whose
// command line names a test temp dir (/tmp/edge-agent-*), except this process and its ancestors (a demo kept under
// .demo/ is left alone); containers labelled by edge-agent (the engine is the tests' while they run) or by the
// installer tests' machines; the netns harness's namespaces, veths, bridges and DOCKER-USER rules (names ea<hex4>…);
// mounts and temp dirs under /tmp/edge-agent-*. A dockerd that still answers is kept: the run reuses it.
import Docker from "dockerode";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const TEMP_PREFIX = join(tmpdir(), "edge-agent-");
/** Programs the tests start (comm, as the kernel truncates it to 15 characters). */
const PROGRAMS = new Set(["bun", "bun.exe", "anvil", "geth", "mosquitto", "mosquitto_sub", "mosquitto_pub", "edge-agent", "edge-agent-linu", "qemu-aarch64", "qemu-aarch64-st", "debootstrap"]);
/** The netns harness's names (test/support/netns.ts): namespaces ea<hex4>n<i>, bridge ea<hex4>br, veths ea<hex4>h<i>. */
const NETNS = /^ea[0-9a-f]{4}n\d+$/;
const LINK = /^ea[0-9a-f]{4}(?:br|h\d+)$/;

export type Cleaned = { processes: number; containers: number; namespaces: number; links: number; rules: number; mounts: number; dirs: number };

export async function cleanStart(docker: Docker, log: (line: string) => void = () => {}): Promise<Cleaned> {
  const done: Cleaned = { processes: 0, containers: 0, namespaces: 0, links: 0, rules: 0, mounts: 0, dirs: 0 };
  done.processes = await killLeftovers();
  done.namespaces = removeNamespaces();
  ({ links: done.links, rules: done.rules } = removeLinksAndRules());
  done.mounts = unmountTemp();
  done.containers = await removeContainers(docker);
  done.dirs = removeTempDirs();
  const parts = Object.entries(done).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  log(parts.length > 0 ? `clean start: removed what an earlier run left: ${parts.join(", ")}` : "clean start: nothing left from an earlier run");
  return done;
}

type Proc = { pid: number; ppid: number; comm: string; cmdline: string; cwd: string };

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // a zombie or another user's process
      }
      out.push({ pid: Number(name), ppid, comm, cmdline, cwd });
    } catch {
      // exited while we read
    }
  }
  return out;
}

function ancestors(all: Proc[]): Set<number> {
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const mine = new Set<number>();
  for (let pid: number | undefined = process.pid; pid && !mine.has(pid); pid = byPid.get(pid)?.ppid) mine.add(pid);
  return mine;
}

function isLeftover(p: Proc, mine: Set<number>): boolean {
  if (mine.has(p.pid) || !PROGRAMS.has(p.comm) || p.cmdline.includes("/.demo/")) return false;
  return p.cwd === ROOT || p.cwd.startsWith(ROOT + "/") || p.cmdline.includes(TEMP_PREFIX);
}

async function killLeftovers(): Promise<number> {
  const all = processes();
  const mine = ancestors(all);
  const victims = all.filter((p) => isLeftover(p, mine));
  for (const p of victims) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  const alive = () => victims.filter((p) => {
    try {
      return !readFileSync(`/proc/${p.pid}/stat`, "utf8").includes(") Z ");
    } catch {
      return false;
    }
  });
  while (alive().length > 0 && Date.now() < deadline) await Bun.sleep(50);
  return victims.length;
}

function sh(cmd: string[]): { ok: boolean; out: string } {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, out: r.stdout.toString() };
}

function removeNamespaces(): number {
  const names = sh(["ip", "netns", "list"]).out.split("\n").map((l) => l.split(" ")[0]!).filter((n) => NETNS.test(n));
  for (const ns of names) {
    for (const pid of sh(["ip", "netns", "pids", ns]).out.split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // gone
      }
    }
    sh(["ip", "netns", "del", ns]);
  }
  return names.length;
}

function removeLinksAndRules(): { links: number; rules: number } {
  const links = [...sh(["ip", "-o", "link", "show"]).out.matchAll(/^\d+: ([^:@\s]+)[@:]/gm)].map((m) => m[1]!).filter((n) => LINK.test(n));
  for (const link of links) sh(["ip", "link", "del", link]);
  let rules = 0;
  for (const line of sh(["iptables", "-S", "DOCKER-USER"]).out.split("\n")) {
    const m = /^-A DOCKER-USER (-[io] (ea[0-9a-f]{4}br) -j ACCEPT)$/.exec(line.trim());
    if (m && sh(["iptables", "-D", "DOCKER-USER", ...m[1]!.split(" ")]).ok) rules++;
  }
  return { links: links.length, rules };
}

/** Mount points under the test temp dirs, deepest first (a debootstrap killed in its second stage leaves proc, sys…). */
function tempMounts(): string[] {
  return readFileSync("/proc/self/mounts", "utf8").split("\n")
    .map((l) => l.split(" ")[1]?.replace(/\\040/g, " ") ?? "")
    .filter((m) => m.startsWith(TEMP_PREFIX))
    .sort((a, b) => b.length - a.length);
}

function unmountTemp(): number {
  const mounts = tempMounts();
  for (const m of mounts) sh(["umount", "-l", m]);
  return mounts.length;
}

/**
 * Until two lists a second apart come back empty: a create the killed agents sent just before they died is still
 * carried out by the engine, after the first list (seen: a name taken when the next run deployed).
 */
async function removeContainers(docker: Docker): Promise<number> {
  const list = async () => [
    ...(await docker.listContainers({ all: true, filters: { label: ["edge-agent.node"] } })),
    ...(await docker.listContainers({ all: true, filters: { label: ["edge-agent-test.machine"] } })),
  ];
  const removed = new Set<string>();
  for (let empty = 0, round = 0; empty < 2 && round < 20; round++) {
    const found = await list();
    if (found.length === 0) empty++;
    else empty = 0;
    await Promise.all(found.map(async (c) => {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch((err) => {
        if (!/no such container|already in progress/i.test(String(err))) throw new Error(`clean start: removing container ${c.Names[0] ?? c.Id}: ${err}`);
      });
      removed.add(c.Id);
    }));
    await Bun.sleep(500);
  }
  return removed.size;
}

/** Temp dirs of earlier runs; never one that still holds a mount (rm stays on one file system besides). */
function removeTempDirs(): number {
  const mounted = tempMounts();
  const dirs = readdirSync(tmpdir()).map((n) => join(tmpdir(), n)).filter((d) => d.startsWith(TEMP_PREFIX) && !d.endsWith(".log"));
  let removed = 0;
  for (const dir of dirs) {
    if (mounted.some((m) => m === dir || m.startsWith(dir + "/"))) continue;
    if (sh(["rm", "-rf", "--one-file-system", dir]).ok) removed++;
  }
  return removed;
}

if (import.meta.main) {
  const { ensureDocker } = await import("../test/support/dockerd");
  await cleanStart(await ensureDocker(), console.log);
}
