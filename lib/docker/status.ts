// Reports each desired replica's state from what the engine shows after apply and what failed during it.
import type { DesiredReplica, ReplicaStatus } from "../apps/types";
import type { Failures } from "./apply";
import { replicaKey, type ActualReplica } from "./types";

/** A container that stopped this many times is failing, not starting. */
export const CRASH_LOOP_RESTARTS = 3;

export function replicaStatuses(desired: DesiredReplica[], actual: ActualReplica[], failures: Failures): ReplicaStatus[] {
  return desired.map((d) => {
    const own = actual.filter((a) => replicaKey(a) === replicaKey(d) && a.version === d.version);
    const container = own.find((a) => a.running) ?? own[0];
    const [state, reason] = stateOf(container, failures.get(replicaKey(d)));
    return { appId: d.appId, app: d.app, replica: d.replica, version: d.version, state, reason };
  });
}

function stateOf(container: ActualReplica | undefined, failure: string | undefined): [ReplicaStatus["state"], string] {
  if (container?.running) return ["running", ""];
  if (failure !== undefined) return ["failed", failure];
  if (!container) return ["starting", "container not created yet"];
  const stopped = container.state === "exited" || container.state === "restarting";
  if (stopped && container.restartCount >= CRASH_LOOP_RESTARTS) {
    return ["failed", `container exited repeatedly with code ${container.exitCode} (${container.restartCount} restarts)`];
  }
  if (stopped) return ["starting", `exited with code ${container.exitCode}, restarting`];
  return ["starting", `container is ${container.state}`];
}
