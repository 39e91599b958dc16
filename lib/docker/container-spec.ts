// The `docker create` body for one replica: image, env, published ports, limits, restart policy, labels, and the
// hash of all of it that the planner compares with a running container's (balena-supervisor compares whole configs
// the same way): anything that changes what `docker create` would get (publish address, injected env, log options)
// recreates the container, not only a new app version.
import type Docker from "dockerode";
import { createHash } from "node:crypto";
import type { DesiredReplica } from "../apps/types";
import { LABEL, replicaLabels } from "./labels";

export type ContainerContext = { nodeAddress: string; nodeName: string; cluster: string; publishAddress: string; extraEnv?: (app: string) => Record<string, string> };

/** The create options, their config-hash label included. */
export function containerCreateOptions(replica: DesiredReplica, name: string, ctx: ContainerContext): Docker.ContainerCreateOptions {
  const options = baseOptions(replica, ctx);
  return { name, ...options, Labels: { ...options.Labels, [LABEL.config]: hashOf(options) } };
}

/** What the config-hash label of `replica`'s container must say under `ctx`. */
export function containerConfigHash(replica: DesiredReplica, ctx: ContainerContext): string {
  return hashOf(baseOptions(replica, ctx));
}

function hashOf(options: Docker.ContainerCreateOptions): string {
  return createHash("sha256").update(canonicalJson(options)).digest("hex").slice(0, 32);
}

/** JSON with object keys sorted at every depth, so equal options always hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function baseOptions(replica: DesiredReplica, ctx: ContainerContext): Docker.ContainerCreateOptions {
  const { spec } = replica;
  const exposed: Record<string, {}> = {};
  const bindings: Record<string, Docker.PortBinding[]> = {};
  for (const port of spec.ports) {
    const key = `${port.container}/${port.protocol}`;
    exposed[key] = {};
    bindings[key] = [...(bindings[key] ?? []), { HostIp: ctx.publishAddress, HostPort: String(port.host) }];
  }
  return {
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
