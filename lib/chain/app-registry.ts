// Typed binding of the AppRegistry contract (HIDRA's DCR): apps, replica assignments and reported states.
import { Contract, Interface, ZeroAddress, getAddress, id as keccakText, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import type { App, AppSpec, PortMapping, ReplicaState } from "../apps/types";
import { AppRegistryArtifact } from "./artifacts";
import { deployed, mined, type RevertExplainer } from "./tx";

export type ChainReplicaState = "pending" | ReplicaState;
const STATES: ChainReplicaState[] = ["pending", "starting", "running", "failed"];

export type ReplicaRecord = { replica: number; node: string | null; state: ChainReplicaState; version: number; since: number; reason: string };
export type AppRecord = App & { updatedAt: number; replicas: ReplicaRecord[] };

const NOT_ELIGIBLE = ["", "not a member", "pinned to another node", "lacks a selector label", "already runs a replica (spread)", "no CPU left", "no memory left", "host port taken"];

const explain: RevertExplainer = {
  iface: new Interface(AppRegistryArtifact.abi),
  explain: (name, args) => {
    switch (name) {
      case "NoSuchApp": return "no such app";
      case "NotOwner": return `only the app's owner ${args[0]} can change it`;
      case "InvalidSpec": return `invalid app spec: ${args[0]}`;
      case "NoSuchReplica": return `no replica ${args[0]}`;
      case "AlreadyAssigned": return `replica ${args[0]} is already assigned to ${args[1]}`;
      case "NotAssignedToYou": return `replica ${args[0]} is not assigned to this node`;
      case "NotEligible": return `this node is not eligible: ${NOT_ELIGIBLE[Number(args[0])] ?? args[0]}`;
      default: return undefined;
    }
  },
};

export const appIdOf = (name: string) => keccakText(name);

export class AppRegistry {
  private readonly contract: Contract;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new Contract(address, AppRegistryArtifact.abi, runner);
  }

  static async deploy(signer: Signer, deviceRegistry: string): Promise<{ apps: AppRegistry; receipt: TransactionReceipt }> {
    const receipt = await deployed("AppRegistry", AppRegistryArtifact, signer, [deviceRegistry]);
    return { apps: new AppRegistry(receipt.contractAddress!, signer), receipt };
  }

  deploy(name: string, spec: AppSpec): Promise<TransactionReceipt> {
    return mined(`deploying app "${name}"`, () => this.contract.getFunction("deploy")(name, specToChain(spec)), explain);
  }

  scale(name: string, replicas: number): Promise<TransactionReceipt> {
    return mined(`scaling app "${name}"`, () => this.contract.getFunction("scale")(appIdOf(name), replicas), explain);
  }

  remove(name: string): Promise<TransactionReceipt> {
    return mined(`removing app "${name}"`, () => this.contract.getFunction("remove")(appIdOf(name)), explain);
  }

  claim(appId: string, replicas: number[]): Promise<TransactionReceipt> {
    return mined(`claiming replicas ${replicas.join(",")} of ${appId.slice(0, 10)}`, () => this.contract.getFunction("claim")(appId, replicas), explain);
  }

  claimEveryNode(appId: string): Promise<TransactionReceipt> {
    return mined(`claiming a replica of every-node app ${appId.slice(0, 10)}`, () => this.contract.getFunction("claimEveryNode")(appId), explain);
  }

  release(appId: string, replica: number): Promise<TransactionReceipt> {
    return mined(`releasing replica ${replica}`, () => this.contract.getFunction("release")(appId, replica), explain);
  }

  report(appId: string, replica: number, state: ReplicaState, version: number, reason: string): Promise<TransactionReceipt> {
    return mined(`reporting replica ${replica} ${state}`, () => this.contract.getFunction("report")(appId, replica, STATES.indexOf(state), version, reason), explain);
  }

  /** Every app with its replicas, at one block (`blockTag` pins the read to a verified block later). */
  async snapshot(blockTag?: number): Promise<AppRecord[]> {
    const [apps, replicas] = await this.contract.getFunction("snapshot")({ blockTag });
    return (apps as any[]).map((raw, i) => ({ ...appFromChain(raw), replicas: (replicas[i] as any[]).map(replicaFromChain) }));
  }

  async usage(node: string): Promise<{ cpuMilli: number; memoryMB: number }> {
    const [cpu, mem] = await Promise.all([this.contract.getFunction("cpuUsed")(node), this.contract.getFunction("memoryUsed")(node)]);
    return { cpuMilli: Number(cpu), memoryMB: Number(mem) };
  }
}

function specToChain(spec: AppSpec) {
  return {
    image: spec.image,
    replicas: spec.everyNode ? 0 : spec.replicas,
    ports: spec.ports.map((p) => ((p.protocol === "udp" ? 1n : 0n) << 32n) | (BigInt(p.host) << 16n) | BigInt(p.container)),
    env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    cpuMilli: spec.cpuMilli,
    memoryMB: spec.memoryMB,
    selector: Object.entries(spec.selector).sort().map(([k, v]) => `${k}=${v}`),
    spread: spec.spread,
    everyNode: spec.everyNode,
    pin: spec.pin ?? ZeroAddress,
  };
}

const splitPair = (s: string): [string, string] => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)];

function appFromChain(raw: any): App & { updatedAt: number } {
  const s = raw.spec;
  const ports: PortMapping[] = (s.ports as bigint[]).map((p) => ({
    host: Number((p >> 16n) & 0xffffn),
    container: Number(p & 0xffffn),
    protocol: (p >> 32n) & 1n ? "udp" : "tcp",
  }));
  return {
    id: raw.id,
    name: raw.name,
    owner: getAddress(raw.owner),
    version: Number(raw.version),
    updatedAt: Number(raw.updatedAt),
    spec: {
      image: s.image,
      replicas: Number(s.replicas),
      ports,
      env: Object.fromEntries((s.env as string[]).map(splitPair)),
      cpuMilli: Number(s.cpuMilli),
      memoryMB: Number(s.memoryMB),
      selector: Object.fromEntries((s.selector as string[]).map(splitPair)),
      spread: s.spread,
      everyNode: s.everyNode,
      pin: s.pin === ZeroAddress ? null : getAddress(s.pin),
    },
  };
}

function replicaFromChain(raw: any, index: number): ReplicaRecord {
  return {
    replica: index,
    node: raw.node === ZeroAddress ? null : getAddress(raw.node),
    state: STATES[Number(raw.state)]!,
    version: Number(raw.version),
    since: Number(raw.since),
    reason: raw.reason,
  };
}
