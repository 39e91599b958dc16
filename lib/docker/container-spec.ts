// The `docker create` body for one replica: image, env, published ports, limits, restart policy, labels.
import type Docker from "dockerode";
import type { DesiredReplica } from "../apps/types";
import { replicaLabels } from "./labels";

export type ContainerContext = { nodeAddress: string; nodeName: string; cluster: string; publishAddress: string; extraEnv?: (app: string) => Record<string, string> };

export function containerCreateOptions(replica: DesiredReplica, name: string, ctx: ContainerContext): Docker.ContainerCreateOptions {
  const { spec } = replica;
  const exposed: Record<string, {}> = {};
  const bindings: Record<string, Docker.PortBinding[]> = {};
  for (const port of spec.ports) {
    const key = `${port.container}/${port.protocol}`;
    exposed[key] = {};
    bindings[key] = [...(bindings[key] ?? []), { HostIp: ctx.publishAddress, HostPort: String(port.host) }];
  }
  return {
    name,
    Image: spec.image,
    Env: [
      ...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      `EDGE_AGENT_APP=${replica.app}`,
      `EDGE_AGENT_REPLICA=${replica.replica}`,
      `EDGE_AGENT_NODE=${ctx.nodeName}`,
      ...Object.entries(ctx.extraEnv?.(replica.app) ?? {}).map(([k, v]) => `${k}=${v}`),
    ],
    Labels: replicaLabels(replica, ctx.nodeAddress, ctx.cluster),
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      RestartPolicy: { Name: "unless-stopped" },
      // Docker rotates the logs itself, so an SD card never fills with one chatty container's output.
      LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } },
      ...(spec.memoryMB > 0 ? { Memory: spec.memoryMB * 2 ** 20 } : {}),
      ...(spec.cpuMilli > 0 ? { NanoCpus: spec.cpuMilli * 1e6 } : {}),
    },
  };
}
