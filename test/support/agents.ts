// Runs `edge-agent run` daemons for test nodes (each its own config, data dir and loopback address for app ports),
// and reads what they did from Docker.
import type Docker from "dockerode";
import { openSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { updateConfigFile } from "./config-edit";
import { type TestNode } from "./cli";
import { killWhenWeExit } from "./dockerd";

const AGENT = join(import.meta.dir, "../../agent.ts");

export type RunningAgent = { pid: number; log: string; stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>; logText(): string };

/** Publishes this node's app ports on its own loopback address (127.0.0.x), so three agents share one host. */
export function usePublishAddress(node: TestNode, ip: string): void {
  updateConfigFile(node.config, [
    { section: "docker", key: "publish_address", value: ip },
    { section: "cluster", key: "claim_grace_ms", value: 3000 },
    { section: "chain", key: "poll_interval_ms", value: 300 },
  ]);
}

/** `edge-agent run` for `node`, from source unless `command` names another way to start it (a compiled binary). */
export function startAgent(node: TestNode, command: string[] = [process.execPath, AGENT]): RunningAgent {
  const log = join(node.dir, "agent.log");
  const fd = openSync(log, "a");
  const proc = Bun.spawn([...command, "run", ...node.c], { stdout: fd, stderr: fd, stdin: "ignore", env: { ...process.env, NO_COLOR: "1" } });
  closeSync(fd);
  const cancel = killWhenWeExit(proc.pid);
  return {
    pid: proc.pid,
    log,
    logText: () => readFileSync(log, "utf8"),
    async stop(signal = "SIGTERM") {
      proc.kill(signal);
      await proc.exited;
      cancel();
    },
  };
}

export async function containersOf(docker: Docker, node: TestNode, app?: string): Promise<Docker.ContainerInfo[]> {
  const label = [`edge-agent.node=${node.address.toLowerCase()}`, ...(app ? [`edge-agent.app=${app}`] : [])];
  return docker.listContainers({ all: true, filters: { label } });
}

export async function removeContainersOf(docker: Docker, nodes: TestNode[]): Promise<void> {
  for (const node of nodes) {
    for (const c of await containersOf(docker, node)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  }
}

/** The body of GET http://ip:port/, or null when nothing answers. */
export async function httpBody(ip: string, port: number, timeoutMs = 2000): Promise<string | null> {
  try {
    const res = await fetch(`http://${ip}:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    return await res.text();
  } catch {
    return null;
  }
}
