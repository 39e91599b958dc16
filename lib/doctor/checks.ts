// `edge-agent doctor`: preflight and health checks. Each check gives one finding with, when it is not ok, the fix.
import Docker from "dockerode";
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { createServer } from "node:net";
import type { LoadedConfig } from "../config";
import { loadConfig } from "../config";
import { messageOf } from "../errors";
import { openChain, unlockNodeKey } from "../node/open";
import { connectDaemon } from "../api/client";

export type Finding = { check: string; status: "ok" | "warn" | "fail"; detail: string; fix?: string };

const ok = (check: string, detail: string): Finding => ({ check, status: "ok", detail });
const warn = (check: string, detail: string, fix: string): Finding => ({ check, status: "warn", detail, fix });
const fail = (check: string, detail: string, fix: string): Finding => ({ check, status: "fail", detail, fix });

const MiB = 2 ** 20;
const SKEW_FAIL_S = 30;
const STALE_HEAD_S = 300;

export async function runChecks(configPath: string): Promise<Finding[]> {
  let config: LoadedConfig;
  try {
    config = loadConfig(configPath);
  } catch (err) {
    return [fail("config", messageOf(err), existsSync(configPath) ? `correct ${configPath} (see the comments in it)` : "run `edge-agent init` (install.sh does)")];
  }
  const findings: Finding[] = [ok("config", `${config.path} is valid`)];
  findings.push(await checkKeystore(config), await checkDocker(config), checkMemoryCgroup(), checkDisk(config));
  findings.push(...(await checkChain(config)), ...(await checkListeners(config)));
  return findings;
}

async function checkKeystore(config: LoadedConfig): Promise<Finding> {
  try {
    const wallet = await unlockNodeKey(config);
    return ok("keystore", `${config.files.keystore} unlocks (node ${wallet.address})`);
  } catch (err) {
    return fail("keystore", messageOf(err), `check ${config.files.passwordFile} holds this keystore's password, or re-create the node with \`edge-agent init --force\``);
  }
}

async function checkDocker(config: LoadedConfig): Promise<Finding> {
  const socket = config.values.docker.socket;
  try {
    const docker = new Docker({ socketPath: socket, timeout: 5000 });
    const version = await docker.version();
    return ok("docker", `Docker Engine ${version.Version} answers on ${socket}`);
  } catch (err) {
    const fix = existsSync(socket) ? "systemctl restart docker; journalctl -u docker" : "apt-get install -y docker.io && systemctl enable --now docker (or curl -fsSL https://get.docker.com | sh)";
    const why = existsSync(socket) ? messageOf(err).split("\n")[0] : "the socket does not exist";
    return fail("docker", `no Docker Engine on ${socket}: ${why}`, fix);
  }
}

export function memoryCgroupEnabled(): boolean {
  if (existsSync("/sys/fs/cgroup/cgroup.controllers")) return readFileSync("/sys/fs/cgroup/cgroup.controllers", "utf8").split(/\s+/).includes("memory");
  return readFileSync("/proc/cgroups", "utf8").split("\n").some((line) => /^memory\s+\d+\s+\d+\s+1$/.test(line.trim()));
}

function checkMemoryCgroup(): Finding {
  if (memoryCgroupEnabled()) return ok("cgroups", "memory cgroup enabled (container memory limits and usage work)");
  const cmdline = existsSync("/boot/firmware/cmdline.txt") ? "/boot/firmware/cmdline.txt" : "/boot/cmdline.txt";
  return fail("cgroups", "the memory cgroup is disabled: memory limits and memory rules do not work", `append 'cgroup_enable=memory cgroup_memory=1' to the single line in ${cmdline}, then reboot`);
}

function checkDisk(config: LoadedConfig): Finding {
  const dir = existsSync(config.files.dataDir) ? config.files.dataDir : "/";
  const s = statfsSync(dir);
  const free = s.bavail * s.bsize;
  const detail = `${(free / MiB).toFixed(0)} MiB free on the filesystem of ${dir}`;
  const fix = "docker image prune -a; journalctl --vacuum-size=100M; or a larger SD card";
  if (free < 256 * MiB) return fail("disk", detail, fix);
  if (free < 1024 * MiB) return warn("disk", detail, fix);
  return ok("disk", detail);
}

/** Chain reachable, and this clock against the head block's timestamp (a Pi has no battery clock). */
async function checkChain(config: LoadedConfig): Promise<Finding[]> {
  let chain;
  try {
    chain = await openChain(config);
  } catch (err) {
    return [fail("chain", `no chain endpoint answers: ${messageOf(err).split("\n")[0]}`, `check [chain] rpc in ${config.path} and that a member's RPC is reachable from here`)];
  }
  try {
    const head = await chain.provider.getBlock("latest");
    const findings = [ok("chain", `${chain.url} answers: chain id ${chain.chainId}, head block ${head?.number}`)];
    if (!head) return findings;
    const age = Math.round(Date.now() / 1000 - head.timestamp);
    const clockFix = "apt-get install -y systemd-timesyncd && timedatectl set-ntp true";
    if (age < -SKEW_FAIL_S) findings.push(fail("clock", `this clock is ${-age} s behind the chain's head block`, clockFix));
    else if (age > STALE_HEAD_S) findings.push(warn("clock", `the head block is ${age} s old: this clock is ahead, or the chain has not sealed a block since`, `timedatectl status; if the clock is right, check the chain's sealers (${clockFix})`));
    else findings.push(ok("clock", `within ${SKEW_FAIL_S} s of the chain (head block ${age} s old)`));
    return findings;
  } finally {
    chain.provider.destroy();
  }
}

/** The MQTT listener's port (when enabled) and the control socket: free, or held by this node's own daemon. */
async function checkListeners(config: LoadedConfig): Promise<Finding[]> {
  const daemon = await connectDaemon(config).catch(() => null);
  const findings: Finding[] = [];
  const socket = config.files.apiSocket;
  if (daemon) findings.push(ok("api", `the daemon answers on ${socket}`));
  else if (existsSync(socket)) findings.push(warn("api", `${socket} exists but no daemon answers (left by a crash)`, "systemctl restart edge-agent (the daemon replaces it)"));
  else findings.push(ok("api", `${socket} is free (daemon not running)`));
  if (config.values.mqtt.enabled) {
    const [host, port] = [config.values.mqtt.listen.replace(/:\d+$/, ""), Number(config.values.mqtt.listen.split(":").pop())];
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer().once("error", () => resolve(false)).listen(port, host, () => server.close(() => resolve(true)));
    });
    if (free || daemon) findings.push(ok("ports", `${config.values.mqtt.listen} (MQTT) is ${free ? "free" : "held by the daemon"}`));
    else findings.push(fail("ports", `${config.values.mqtt.listen} (MQTT) is in use by another program`, `ss -ltnp 'sport = :${port}'; stop it or change [mqtt] listen`));
  }
  return findings;
}
