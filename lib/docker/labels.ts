// The labels that mark a container as this node's and carry which replica it runs.
import type { DesiredReplica } from "../apps/types";

export const LABEL = {
  node: "edge-agent.node",
  cluster: "edge-agent.cluster",
  appId: "edge-agent.app-id",
  app: "edge-agent.app",
  replica: "edge-agent.replica",
  version: "edge-agent.version",
  /** sha256 of the container's whole create options (without its name and this label): a change recreates it. */
  config: "edge-agent.config-hash",
} as const;

/** Every label a container for `replica` carries. */
export function replicaLabels(replica: DesiredReplica, nodeAddress: string, cluster: string): Record<string, string> {
  return {
    [LABEL.node]: nodeAddress.toLowerCase(),
    [LABEL.cluster]: cluster,
    [LABEL.appId]: replica.appId,
    [LABEL.app]: replica.app,
    [LABEL.replica]: String(replica.replica),
    [LABEL.version]: String(replica.version),
  };
}

/** The engine-side filter value that selects exactly this node's containers. */
export function nodeLabelFilter(nodeAddress: string): string {
  return `${LABEL.node}=${nodeAddress.toLowerCase()}`;
}

/** True only for a container carrying this node's label, exactly. */
export function isOurs(labels: Record<string, string> | undefined, nodeAddress: string): boolean {
  return labels?.[LABEL.node] === nodeAddress.toLowerCase();
}

/** A non-negative integer label, or -1 when it is missing or malformed. */
export function intLabel(value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value)) return -1;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : -1;
}
