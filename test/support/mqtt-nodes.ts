// Fog nodes with the MQTT proxy on, for the MQTT end-to-end tests: the first one added creates the cluster on the
// given chain, the others join it; each runs a real `edge-agent run` daemon on its own free port.
import { updateConfigFile } from "./config-edit";
import { startAgent, type RunningAgent } from "./agents";
import { cliOk, initNode, type TestNode } from "./cli";
import { freePort, waitFor } from "./ports";

export type MqttSetting = [key: string, value: string | number | boolean];

export class MqttNodes {
  readonly nodes: TestNode[] = [];
  readonly agents: RunningAgent[] = [];
  /** The MQTT port given to each node (its `listen` is the caller's choice). */
  readonly ports: number[] = [];
  private token = "";

  /** Adds a node on `chainUrl`: fast polling and batching, then the caller's `[mqtt]` settings for its port. */
  async add(chainUrl: string, name: string, settings: (port: number) => MqttSetting[]): Promise<TestNode> {
    const node = await initNode(name, chainUrl);
    const port = await freePort();
    updateConfigFile(node.config, [
      { section: "chain", key: "poll_interval_ms", value: 300 },
      { section: "mqtt", key: "enabled", value: true },
      { section: "mqtt", key: "batch_interval_ms", value: 1000 },
      { section: "mqtt", key: "sync_interval_ms", value: 300 },
      ...settings(port).map(([key, value]) => ({ section: "mqtt" as const, key, value })),
    ]);
    if (this.nodes.length === 0) this.token = (await cliOk(["cluster", "create", ...node.c])).stdout.trim();
    else await cliOk(["join", "--cluster", this.token, ...node.c]);
    this.nodes.push(node);
    this.ports.push(port);
    this.agents.push(startAgent(node));
    return node;
  }

  /** How often node i's proxy has started (its log is appended to across restarts). */
  proxyStarts(i: number): number {
    return this.agents[i]!.logText().split("MQTT proxy (").length - 1;
  }

  async proxyUp(i: number, starts = 1): Promise<void> {
    await waitFor(`MQTT proxy of ${this.nodes[i]!.name}`, () => this.proxyStarts(i) >= starts, 30_000);
  }
}
