// A whole test cluster in one call: anvil, N nodes (each its own config, data dir and loopback address for app
// ports), `cluster create` on the first, `join` on the others, and their `edge-agent run` daemons.
import type Docker from "dockerode";
import { updateConfigFile, type ConfigUpdate } from "./config-edit";
import { removeContainersOf, startAgent, usePublishAddress, type RunningAgent } from "./agents";
import { startAnvil, type Anvil } from "./anvil";
import { cliOk, initNode, removeTempDirs, type TestNode } from "./cli";

export type ClusterOptions = {
  names: string[];
  /** App ports of node i are published on 127.0.0.(ipBase + i). */
  ipBase: number;
  /** Config values set on every node before `cluster create` (cluster-wide ones are fixed then). */
  settings?: ConfigUpdate[];
  anvilArgs?: string[];
  /** How to start the agent (default: from source). */
  command?: string[];
};

export type TestCluster = {
  anvil: Anvil;
  nodes: TestNode[];
  agents: RunningAgent[];
  ip(i: number): string;
  indexOf(address: string | null): number;
  /** Stops the daemons, removes their containers, stops anvil, removes the temp dirs. */
  stop(docker: Docker): Promise<void>;
};

export async function startCluster(o: ClusterOptions): Promise<TestCluster> {
  const anvil = await startAnvil(o.anvilArgs ?? []);
  const run = o.command ? { command: o.command } : {};
  const ip = (i: number) => `127.0.0.${o.ipBase + i}`;
  const nodes: TestNode[] = [];
  let token = "";
  for (const [i, name] of o.names.entries()) {
    const node = await initNode(name, anvil.url);
    usePublishAddress(node, ip(i));
    if (o.settings) updateConfigFile(node.config, o.settings);
    if (i === 0) token = (await cliOk(["cluster", "create", ...node.c], run)).stdout.trim();
    else await cliOk(["join", "--cluster", token, ...node.c], run);
    nodes.push(node);
  }
  const agents = nodes.map((node) => startAgent(node, o.command));
  return {
    anvil,
    nodes,
    agents,
    ip,
    indexOf: (address) => nodes.findIndex((n) => n.address === address),
    async stop(docker) {
      for (const agent of agents) await agent.stop("SIGTERM").catch(() => {});
      await removeContainersOf(docker, nodes);
      await anvil.stop();
      removeTempDirs();
    },
  };
}
