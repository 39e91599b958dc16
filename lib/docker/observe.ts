// Lists this node's containers (running or not) and rebuilds each replica from its labels and inspect data.
import type Docker from "dockerode";
import { LABEL, intLabel, isOurs, nodeLabelFilter } from "./labels";
import { statusCodeOf } from "./engine-errors";
import type { ActualReplica } from "./types";

export async function observeContainers(docker: Docker, nodeAddress: string): Promise<ActualReplica[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [nodeLabelFilter(nodeAddress)] } });
  // The engine filtered already; checking again keeps a foreign container out even if a filter were ignored.
  const ours = listed.filter((c) => isOurs(c.Labels, nodeAddress));
  const inspected = await Promise.all(ours.map((c) => inspectReplica(docker, c.Id, nodeAddress)));
  return inspected.filter((r): r is ActualReplica => r !== null).sort(byReplicaThenId);
}

/** null when the container vanished between list and inspect, or is not ours after all. */
async function inspectReplica(docker: Docker, id: string, nodeAddress: string): Promise<ActualReplica | null> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(id).inspect();
  } catch (err) {
    if (statusCodeOf(err) === 404) return null;
    throw err;
  }
  const labels = info.Config.Labels ?? {};
  if (!isOurs(labels, nodeAddress)) return null;
  const state = info.State;
  return {
    containerId: info.Id,
    name: info.Name.replace(/^\//, ""),
    appId: labels[LABEL.appId] ?? "",
    app: labels[LABEL.app] ?? "",
    replica: intLabel(labels[LABEL.replica]),
    version: intLabel(labels[LABEL.version]),
    configHash: labels[LABEL.config] ?? "",
    running: state.Running && !state.Restarting && !state.Paused,
    state: state.Status,
    exitCode: state.ExitCode,
    restartCount: info.RestartCount,
  };
}

export function byReplicaThenId(a: ActualReplica, b: ActualReplica): number {
  return compareText(a.appId, b.appId) || a.replica - b.replica || compareText(a.containerId, b.containerId);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
