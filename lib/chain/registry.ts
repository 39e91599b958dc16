// Typed binding of the DeviceRegistry contract (HIDRA's DDR): deploy, admission, own record, eviction, reads.
import { getBytes, keccak256, solidityPacked, type BlockTag, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import { UserError } from "../errors";
import { DeviceRegistryArtifact } from "./abi";
import { TypedContract, type Result } from "./contract";
import { deployed, mined, type RevertExplainer } from "./tx";
import type { ReputationRecord } from "./reputation";
import { recordOfPairs } from "./app-registry";

export const REGISTRY_KIND = "edge-agent/DeviceRegistry";

export type NodeSpecs = { arch: string; cpuCores: number; cpuMHz: number; memoryMB: number; diskMB: number };

export type NodeRecord = {
  address: string;
  name: string;
  specs: NodeSpecs;
  labels: Record<string, string>;
  endpoints: string[];
  joinedAt: number;
  updatedAt: number;
};

/** A member with its liveness and reputation outcomes at one block, as the contract judges them. */
export type MemberRecord = NodeRecord & { lastSeen: number; alive: boolean; outcomes: ReputationRecord };

export type NodeInput = Pick<NodeRecord, "name" | "specs" | "labels" | "endpoints">;

export type ClusterLinks = { apps: string; events: string; reputation: string; deviceDirectory: string };

type Abi = typeof DeviceRegistryArtifact.abi;
type ChainNode = Result<Abi, "getNode">;
type ChainMember = Result<Abi, "memberStatus">[number];

const explain = (iface: RevertExplainer["iface"]): RevertExplainer => ({ iface, explain: (name, args) => {
  switch (name) {
    case "NotMember": return `${args[0]} is not a member of this cluster`;
    case "AlreadyMember": return `${args[0]} is already a member of this cluster`;
    case "WasEvicted": return `${args[0]} was evicted from this cluster and cannot rejoin with the same key`;
    case "BadJoinSignature": return "the join token's secret is not this cluster's (admission refused)";
    case "NameTaken": return `another member is already named "${args[0]}" (set [node] name)`;
    case "InvalidName": return "node names must be 1 to 64 characters";
    case "CannotEvictSelf": return "a node cannot vote to evict itself";
    case "AlreadyVoted": return "this node already voted to evict that member";
    case "NotAllowed": return "not allowed (only the cluster's creator links its contracts, once; only the event logger touches liveness)";
    default: return undefined;
  }
} });

/** EIP-191 signature by the join key admitting `node` to the registry at `registry` on chain `chainId`. */
export async function signAdmission(joinKey: Signer, chainId: bigint, registry: string, node: string): Promise<string> {
  const digest = keccak256(solidityPacked(["string", "uint256", "address", "address"], ["edge-agent admission", chainId, registry, node]));
  return joinKey.signMessage(getBytes(digest));
}

export class DeviceRegistry {
  private readonly contract: TypedContract<Abi>;
  private readonly explain: RevertExplainer;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new TypedContract(address, DeviceRegistryArtifact.abi, runner);
    this.explain = explain(this.contract.iface);
  }

  static async deploy(signer: Signer, joinAuthority: string, livenessGraceSeconds: number): Promise<{ registry: DeviceRegistry; receipt: TransactionReceipt }> {
    const receipt = await deployed("DeviceRegistry", DeviceRegistryArtifact, signer, [joinAuthority, livenessGraceSeconds]);
    return { registry: new DeviceRegistry(receipt.contractAddress!, signer), receipt };
  }

  /** Checks that `address` holds a DeviceRegistry, so a foreign or stale token fails clearly. */
  async verify(): Promise<void> {
    const provider = this.contract.runner.provider!;
    const code = await provider.getCode(this.address);
    if (code === "0x") throw new UserError(`no contract at ${this.address} on this chain: the token belongs to another chain or cluster`);
    const kind = await this.contract.read("KIND", []).catch(() => "");
    if (kind !== REGISTRY_KIND) throw new UserError(`the contract at ${this.address} is not an edge-agent cluster`);
  }

  /** Addresses of the cluster's other contracts (zero until `cluster create` links them). */
  async links(): Promise<ClusterLinks> {
    const [apps, events, reputation, deviceDirectory] = await Promise.all([
      this.contract.read("apps", []), this.contract.read("events", []), this.contract.read("reputation", []), this.contract.read("deviceDirectory", []),
    ]);
    return { apps, events, reputation, deviceDirectory };
  }

  link(links: Omit<ClusterLinks, "deviceDirectory">): Promise<TransactionReceipt> {
    return mined("linking the cluster's contracts", () => this.contract.send("link", [links.apps, links.events, links.reputation]), this.explain);
  }

  linkDeviceDirectory(directory: string): Promise<TransactionReceipt> {
    return mined("linking the device directory", () => this.contract.send("linkDeviceDirectory", [directory]), this.explain);
  }

  heartbeat(): Promise<TransactionReceipt> {
    return mined("heartbeat", () => this.contract.send("heartbeat", []), this.explain);
  }

  async livenessGrace(): Promise<number> {
    return Number(await this.contract.read("livenessGrace", []));
  }

  async joinAuthority(): Promise<string> {
    return this.contract.read("joinAuthority", []);
  }

  register(node: NodeInput, joinSignature: string): Promise<TransactionReceipt> {
    const { name, specs, labels, endpoints } = toChain(node);
    return mined(`registering node "${node.name}"`, () => this.contract.send("register", [name, specs, labels, endpoints, joinSignature]), this.explain);
  }

  update(node: NodeInput): Promise<TransactionReceipt> {
    const { name, specs, labels, endpoints } = toChain(node);
    return mined(`updating node "${node.name}"`, () => this.contract.send("update", [name, specs, labels, endpoints]), this.explain);
  }

  voteEvict(target: string): Promise<TransactionReceipt> {
    return mined(`voting to evict ${target}`, () => this.contract.send("voteEvict", [target]), this.explain);
  }

  async isMember(address: string): Promise<boolean> {
    return this.contract.read("isMember", [address]);
  }

  async nodes(blockTag?: BlockTag): Promise<NodeRecord[]> {
    return (await this.contract.read("allNodes", [], blockTag)).map(nodeFromChain);
  }

  /** Every member with liveness and reputation outcomes, in one call, at one block. */
  async members(blockTag?: BlockTag): Promise<MemberRecord[]> {
    return (await this.contract.read("memberStatus", [], blockTag)).map(memberFromChain);
  }

  async evictionQuorum(blockTag?: BlockTag): Promise<number> {
    return Number(await this.contract.read("evictionQuorum", [], blockTag));
  }
}

function toChain(node: NodeInput) {
  return {
    name: node.name,
    specs: { ...node.specs, memoryMB: BigInt(node.specs.memoryMB), diskMB: BigInt(node.specs.diskMB) },
    labels: Object.entries(node.labels).sort().map(([k, v]) => `${k}=${v}`),
    endpoints: node.endpoints,
  };
}

function nodeFromChain(raw: ChainNode): NodeRecord {
  return {
    address: raw.addr,
    name: raw.name,
    specs: { arch: raw.specs.arch, cpuCores: raw.specs.cpuCores, cpuMHz: raw.specs.cpuMHz, memoryMB: Number(raw.specs.memoryMB), diskMB: Number(raw.specs.diskMB) },
    labels: recordOfPairs(raw.labels),
    endpoints: [...raw.endpoints],
    joinedAt: Number(raw.joinedAt),
    updatedAt: Number(raw.updatedAt),
  };
}

function memberFromChain(raw: ChainMember): MemberRecord {
  const r = raw.reputation;
  return {
    ...nodeFromChain(raw.node),
    lastSeen: Number(raw.lastSeen),
    alive: raw.alive,
    outcomes: { confirmed: r.confirmed, timedOut: r.timedOut, failedAfterMigration: r.failedAfterMigration, evictions: r.evictions, rac: Number(r.racAt) === 0 ? 5 : Number(r.rac) / 1e6, racAt: Number(r.racAt) },
  };
}
