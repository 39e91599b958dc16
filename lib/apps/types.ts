// Apps as the cluster knows them (the AppRegistry contract) and as one node runs them.

export type Protocol = "tcp" | "udp";
export type PortMapping = { host: number; container: number; protocol: Protocol };

/** What an operator asks for. Resource requests are per replica; 0 means none. */
export type AppSpec = {
  image: string;
  replicas: number; // ignored when everyNode
  ports: PortMapping[];
  env: Record<string, string>;
  cpuMilli: number; // 1000 = one core
  memoryMB: number;
  selector: Record<string, string>; // labels a node must have
  spread: boolean; // at most one replica per node
  everyNode: boolean; // one replica on every matching node (daemon-set)
  pin: string | null; // node address that must run every replica (stateful pinning)
};

/** `updatedBy`: the operator who last deployed or scaled it (apps belong to the cluster, not to one key). */
export type App = { id: string; name: string; updatedBy: string; version: number; spec: AppSpec };

/** One replica this node must run: the desired state, persisted before it is acted on. */
export type DesiredReplica = { appId: string; app: string; replica: number; version: number; spec: AppSpec };

/** A replica's actual state on this node, as reported on chain when it changes. */
export type ReplicaState = "starting" | "running" | "failed";
export type ReplicaStatus = { appId: string; app: string; replica: number; version: number; state: ReplicaState; reason: string };
