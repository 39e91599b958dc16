// Public face of the docker module: the reconciler that makes this node's containers match the desired replicas.
export { DockerReconciler } from "./reconciler";
export type { ReconcilerOptions, ReconcilerSettings, ActualReplica, Step, StepKind } from "./types";
export { LABEL } from "./labels";
export { CRASH_LOOP_RESTARTS } from "./status";
export { replicaAcceptsConnections } from "./probe";
