// The docker module's own types: what the reconciler is given, what it observes, and the steps it plans.
import type Docker from "dockerode";
import type { DesiredReplica } from "../apps/types";

export type ReconcilerOptions = {
  docker: Docker; // dockerode
  nodeAddress: string; // this node's chain address; label value that marks OUR containers
  nodeName: string; // used in container names
  cluster: string; // cluster registry address (label)
  settings: ReconcilerSettings;
  log: (line: string) => void; // progress lines (pull progress, steps)
  extraEnv?: (app: string) => Record<string, string>; // more env per app (e.g. the MQTT proxy's address and credentials)
};

/** What an operator may change while the agent runs (`edge-agent reload`): containers follow on the next pass. */
export type ReconcilerSettings = {
  publishAddress: string; // host IP ports are published on, e.g. "127.0.0.1" or "0.0.0.0"
  registries: string[]; // registries to try for pulls, in order; [] = the engine default
};

/** One container of this node, rebuilt from its labels and `docker inspect`. */
export type ActualReplica = {
  containerId: string;
  name: string;
  appId: string; // "" when the label is missing: such a container is never desired, so it is removed
  app: string;
  replica: number; // -1 when the label is unreadable
  version: number; // -1 when the label is unreadable
  configHash: string; // the config-hash label, "" when missing
  running: boolean; // up and not restarting or paused
  state: string; // Docker's State.Status: created, running, paused, restarting, removing, exited, dead
  exitCode: number;
  restartCount: number; // restarts by the engine's restart policy plus starts this reconciler made
};

/** One change to the engine; plan() orders them pulls, removals, creates, then starts. */
export type Step =
  | { kind: "pull"; image: string }
  // replacement: the desired replica this container makes way for; kept if that replica's image pull failed.
  | { kind: "remove"; container: ActualReplica; reason: string; replacement?: DesiredReplica }
  | { kind: "create"; name: string; replica: DesiredReplica }
  // containerId: the container's id, or its name for a container this same plan creates (Docker takes either).
  | { kind: "start"; containerId: string; replica: DesiredReplica }
  // Starts again a desired container that stopped (counted in restartCount).
  | { kind: "restart"; container: ActualReplica; replica: DesiredReplica }
  | { kind: "unpause"; container: ActualReplica; replica: DesiredReplica };

export type StepKind = Step["kind"];

/** The identity of a replica on this node: one container at most per key. */
export function replicaKey(r: { appId: string; replica: number }): string {
  return `${r.appId}#${r.replica}`;
}
