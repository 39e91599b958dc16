// A full-mode test cluster: each node in its own network namespace (test/support/netns.ts) running its agent and,
// for full nodes, the geth its agent supervises. `cluster create` on the first, `join` on the others, then daemons.
// Light nodes read the chain from the full members' geth RPC (opened on their namespace IP).
import type Docker from "dockerode";
import { join } from "node:path";
import { updateConfigFile, type ConfigUpdate } from "./config-edit";
import { removeContainersOf, startAgent, usePublishAddress, type RunningAgent } from "./agents";
import { cliOk, initNode, removeTempDirs, tempDir, type TestNode } from "./cli";
import { GETH_BIN } from "./geth";
import { freePort } from "./ports";
import { createTestNet, type TestNet } from "./netns";

const AGENT = join(import.meta.dir, "../../agent.ts");
export const GETH_HTTP_PORT = 8545;

export type FullClusterOptions = {
  /** Full nodes (geth signers once voted in), then light nodes. */
  full: string[];
  light?: string[];
  /** App ports of node i are published on the host at 127.0.0.(ipBase + i). */
  ipBase: number;
  periodSeconds?: number;
  settings?: ConfigUpdate[];
  /** How to start the agent (default: from source), e.g. a compiled binary; run inside each node's namespace. */
  agent?: string[];
};

export type FullCluster = {
  net: TestNet;
  nodes: TestNode[];
  agents: RunningAgent[];
  token: string;
  ip(i: number): string;
  indexOf(address: string | null): number;
  /** The command that runs the agent CLI inside node i's namespace. */
  command(i: number): string[];
  /** geth RPC of full node i (reachable from the host). */
  rpc(i: number): string;
  startAgent(i: number): RunningAgent;
  stop(docker: Docker): Promise<void>;
};

export async function startFullCluster(o: FullClusterOptions): Promise<FullCluster> {
  const names = [...o.full, ...(o.light ?? [])];
  const net = await createTestNet(names.length);
  const root = tempDir();
  const command = (i: number) => [...net.exec(i), ...(o.agent ?? [process.execPath, AGENT])];
  const rpc = (i: number) => `http://${net.ips[i]}:${GETH_HTTP_PORT}`;
  const ip = (i: number) => `127.0.0.${o.ipBase + i}`;
  const nodes: TestNode[] = [];
  const agents: RunningAgent[] = [];
  const cluster: FullCluster = {
    net, nodes, agents, token: "", ip, command, rpc,
    indexOf: (address) => nodes.findIndex((n) => n.address === address),
    startAgent: (i) => (agents[i] = startAgent(nodes[i]!, command(i))),
    async stop(docker) {
      try {
        await Promise.all(agents.map((agent) => agent?.stop("SIGTERM").catch(() => {})));
        await removeContainersOf(docker, nodes);
      } finally {
        await net.destroy(); // also kills whatever still runs in the namespaces
        removeTempDirs();
      }
    },
  };
  try {
    for (const [i, name] of names.entries()) {
      const full = i < o.full.length;
      const node = await initNode(name, rpc(0), root);
      usePublishAddress(node, ip(i));
      updateConfigFile(node.config, [
        { section: "chain", key: "mode", value: full ? "full" : "light" },
        { section: "chain", key: "geth_bin", value: GETH_BIN },
        { section: "chain", key: "geth_http_address", value: net.ips[i]! },
        { section: "chain", key: "geth_external_ip", value: net.ips[i]! },
        { section: "cluster", key: "block_period_s", value: o.periodSeconds ?? 1 },
        ...(full ? [] : [{ section: "chain" as const, key: "rpc", value: o.full.map((_, f) => rpc(f)) }]),
        ...(o.settings ?? []),
      ]);
      nodes.push(node);
      if (i === 0) {
        cluster.token = (await cliOk(["cluster", "create", ...node.c], { command: command(i) })).stdout.trim();
        cluster.startAgent(0); // its geth must run for the others to sync
      } else {
        await cliOk(["join", "--cluster", cluster.token, ...node.c], { command: command(i) });
        cluster.startAgent(i);
      }
    }
  } catch (err) {
    await cluster.stop(await import("./dockerd").then((d) => d.ensureDocker()));
    throw err;
  }
  return cluster;
}

/** A full node on this host's loopback (no namespace): its geth on free ports, `periodSeconds` blocks if it creates. */
export async function initLoopbackFullNode(name: string, root: string, periodSeconds = 1, settings: ConfigUpdate[] = []): Promise<TestNode> {
  const http = await freePort();
  const node = await initNode(name, `http://127.0.0.1:${http}`, root);
  updateConfigFile(node.config, [
    { section: "chain", key: "mode", value: "full" },
    { section: "chain", key: "geth_bin", value: GETH_BIN },
    { section: "chain", key: "geth_http_port", value: http },
    { section: "chain", key: "geth_p2p_port", value: await freePort() },
    { section: "chain", key: "geth_authrpc_port", value: await freePort() },
    { section: "cluster", key: "block_period_s", value: periodSeconds },
    ...settings,
  ]);
  return node;
}
