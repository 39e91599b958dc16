// Typed binding of the AppRegistry contract (HIDRA's DCR): apps, replica assignments and reported states.
import { ZeroAddress, id as keccakText, type BlockTag, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import type { App, AppSpec, PortMapping, ReplicaState } from "../apps/types";
import { AppRegistryArtifact, enumName } from "./abi";
import { TypedContract, type Result } from "./contract";
import { deployed, mined, type RevertExplainer } from "./tx";
import { explainIneligible, type Ineligible } from "../placement/rule";

export type ChainReplicaState = "pending" | ReplicaState;
const STATES = { Pending: "pending", Starting: "starting", Running: "running", Failed: "failed" } as const satisfies Record<string, ChainReplicaState>;
const STATE_VALUE: Record<ChainReplicaState, number> = { pending: 0, starting: 1, running: 2, failed: 3 };

export type ReplicaRecord = { replica: number; node: string | null; state: ChainReplicaState; version: number; since: number; reason: string };
export type AppRecord = App & { updatedAt: number; replicas: ReplicaRecord[] };

type Abi = typeof AppRegistryArtifact.abi;
type ChainApp = Result<Abi, "getApp">;
type ChainSpec = ChainApp["spec"];
type ChainReplica = Result<Abi, "replicasOf">[number];

const explain = (iface: RevertExplainer["iface"]): RevertExplainer => ({
  iface,
  explain: (name, args) => {
    switch (name) {
      case "NoSuchApp": return "no such app";
      case "NotOperator": return `${args[0]} may not change apps: that takes an operator key with the deployer or admin role`;
      case "InvalidSpec": return `invalid app spec: ${args[0]}`;
      case "NoSuchReplica": return `no replica ${args[0]}`;
      case "NotMember": return `${args[0]} is not a member of this cluster`;
      case "NothingToClaim": return "no replicas named to claim";
      case "AlreadyAssigned": return `replica ${args[0]} is already assigned to ${args[1]}`;
      case "NotAssignedToYou": return `replica ${args[0]} is not assigned to this node`;
      case "NotEligible": return `this node is not eligible: ${explainIneligible(enumName("AppRegistry.Ineligible", Number(args[0])))}`;
      default: return undefined;
    }
  },
});

export const appIdOf = (name: string) => keccakText(name);

export class AppRegistry {
  private readonly contract: TypedContract<Abi>;
  private readonly explain: RevertExplainer;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new TypedContract(address, AppRegistryArtifact.abi, runner);
    this.explain = explain(this.contract.iface);
  }

  static async deploy(signer: Signer, deviceRegistry: string, operators: string): Promise<{ apps: AppRegistry; receipt: TransactionReceipt }> {
    const receipt = await deployed("AppRegistry", AppRegistryArtifact, signer, [deviceRegistry, operators]);
    return { apps: new AppRegistry(receipt.contractAddress!, signer), receipt };
  }

  deploy(name: string, spec: AppSpec): Promise<TransactionReceipt> {
    return mined(`deploying app "${name}"`, () => this.contract.send("deploy", [name, specToChain(spec)]), this.explain);
  }

  scale(name: string, replicas: number): Promise<TransactionReceipt> {
    return mined(`scaling app "${name}"`, () => this.contract.send("scale", [appIdOf(name), replicas]), this.explain);
  }

  remove(name: string): Promise<TransactionReceipt> {
    return mined(`removing app "${name}"`, () => this.contract.send("remove", [appIdOf(name)]), this.explain);
  }

  claim(appId: string, replicas: number[]): Promise<TransactionReceipt> {
    return mined(`claiming replicas ${replicas.join(",")} of ${appId.slice(0, 10)}`, () => this.contract.send("claim", [appId, replicas]), this.explain);
  }

  claimEveryNode(appId: string): Promise<TransactionReceipt> {
    return mined(`claiming a replica of every-node app ${appId.slice(0, 10)}`, () => this.contract.send("claimEveryNode", [appId]), this.explain);
  }

  release(appId: string, replica: number): Promise<TransactionReceipt> {
    return mined(`releasing replica ${replica}`, () => this.contract.send("release", [appId, replica]), this.explain);
  }

  report(appId: string, replica: number, state: ReplicaState, version: number, reason: string): Promise<TransactionReceipt> {
    return mined(`reporting replica ${replica} ${state}`, () => this.contract.send("report", [appId, replica, STATE_VALUE[state], BigInt(version), reason]), this.explain);
  }

  /** Every app with its replicas, at one block (`blockTag` pins the read to a verified block later). */
  async snapshot(blockTag?: BlockTag): Promise<AppRecord[]> {
    const [apps, replicas] = await this.contract.read("snapshot", [], blockTag);
    return apps.map((raw, i) => ({ ...appFromChain(raw), replicas: replicas[i]!.map(replicaFromChain) }));
  }

  /** Why `node` may not take one more replica of the app now, or "None": the contract's own placement rule. */
  async eligibility(appId: string, node: string, blockTag?: BlockTag): Promise<Ineligible> {
    return enumName("AppRegistry.Ineligible", await this.contract.read("eligibility", [appId, node], blockTag));
  }

  /** The Operators contract whose deployers and admins may change apps. */
  operators(): Promise<string> {
    return this.contract.read("operators", []);
  }

  async usage(node: string): Promise<{ cpuMilli: number; memoryMB: number }> {
    const [cpu, mem] = await Promise.all([this.contract.read("cpuUsed", [node]), this.contract.read("memoryUsed", [node])]);
    return { cpuMilli: Number(cpu), memoryMB: Number(mem) };
  }
}

/** A port as the contract stores it: (udp ? 1 << 32 : 0) | host << 16 | container. */
export function portWord(p: PortMapping): bigint {
  return ((p.protocol === "udp" ? 1n : 0n) << 32n) | (BigInt(p.host) << 16n) | BigInt(p.container);
}

export function portOfWord(word: bigint): PortMapping {
  return { host: Number((word >> 16n) & 0xffffn), container: Number(word & 0xffffn), protocol: (word >> 32n) & 1n ? "udp" : "tcp" };
}

const pairs = (record: Record<string, string>, sorted = false) => {
  const entries = Object.entries(record);
  return (sorted ? entries.sort() : entries).map(([k, v]) => `${k}=${v}`);
};

function specToChain(spec: AppSpec): ChainSpec {
  return {
    image: spec.image,
    replicas: spec.everyNode ? 0 : spec.replicas,
    ports: spec.ports.map(portWord),
    env: pairs(spec.env),
    cpuMilli: spec.cpuMilli,
    memoryMB: spec.memoryMB,
    selector: pairs(spec.selector, true),
    spread: spec.spread,
    everyNode: spec.everyNode,
    pin: spec.pin ?? ZeroAddress,
  };
}

/** "KEY=value" strings back into a record (split at the first '='). */
export function recordOfPairs(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(list.map((s) => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)]));
}

function appFromChain(raw: ChainApp): App & { updatedAt: number } {
  const s = raw.spec;
  return {
    id: raw.id,
    name: raw.name,
    updatedBy: raw.updatedBy,
    version: Number(raw.version),
    updatedAt: Number(raw.updatedAt),
    spec: {
      image: s.image,
      replicas: s.replicas,
      ports: s.ports.map(portOfWord),
      env: recordOfPairs(s.env),
      cpuMilli: s.cpuMilli,
      memoryMB: s.memoryMB,
      selector: recordOfPairs(s.selector),
      spread: s.spread,
      everyNode: s.everyNode,
      pin: s.pin === ZeroAddress ? null : s.pin,
    },
  };
}

function replicaFromChain(raw: ChainReplica, index: number): ReplicaRecord {
  return {
    replica: index,
    node: raw.node === ZeroAddress ? null : raw.node,
    state: STATES[enumName("AppRegistry.State", raw.state)],
    version: Number(raw.version),
    since: Number(raw.since),
    reason: raw.reason,
  };
}
