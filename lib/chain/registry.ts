// Typed binding of the DeviceRegistry contract (HIDRA's DDR): deploy, admission, own record, eviction, reads.
import { Contract, Interface, getBytes, keccak256, solidityPacked, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import { UserError } from "../errors";
import { DeviceRegistryArtifact } from "./artifacts";
import { deployed, mined, type RevertExplainer } from "./tx";

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

export type NodeInput = Pick<NodeRecord, "name" | "specs" | "labels" | "endpoints">;

export type ClusterLinks = { apps: string; events: string; reputation: string };

const explain: RevertExplainer = { iface: new Interface(DeviceRegistryArtifact.abi), explain: (name, args) => {
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
} };

/** EIP-191 signature by the join key admitting `node` to the registry at `registry` on chain `chainId`. */
export async function signAdmission(joinKey: Signer, chainId: bigint, registry: string, node: string): Promise<string> {
  const digest = keccak256(solidityPacked(["string", "uint256", "address", "address"], ["edge-agent admission", chainId, registry, node]));
  return joinKey.signMessage(getBytes(digest));
}

export class DeviceRegistry {
  private readonly contract: Contract;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new Contract(address, DeviceRegistryArtifact.abi, runner);
  }

  static async deploy(signer: Signer, joinAuthority: string, livenessGraceSeconds: number): Promise<{ registry: DeviceRegistry; receipt: TransactionReceipt }> {
    const receipt = await deployed("DeviceRegistry", DeviceRegistryArtifact, signer, [joinAuthority, livenessGraceSeconds]);
    return { registry: new DeviceRegistry(receipt.contractAddress!, signer), receipt };
  }

  /** Checks that `address` holds a DeviceRegistry, so a foreign or stale token fails clearly. */
  async verify(): Promise<void> {
    const runner = this.contract.runner!;
    const code = await runner.provider!.getCode(this.address);
    if (code === "0x") throw new UserError(`no contract at ${this.address} on this chain: the token belongs to another chain or cluster`);
    let kind: string;
    try {
      kind = await this.contract.getFunction("KIND")();
    } catch {
      kind = "";
    }
    if (kind !== REGISTRY_KIND) throw new UserError(`the contract at ${this.address} is not an edge-agent cluster`);
  }

  /** Addresses of the cluster's other contracts (zero until `cluster create` links them). */
  async links(): Promise<ClusterLinks> {
    const [apps, events, reputation] = await Promise.all(["apps", "events", "reputation"].map((f) => this.contract.getFunction(f)() as Promise<string>));
    return { apps: apps!, events: events!, reputation: reputation! };
  }

  link(links: ClusterLinks): Promise<TransactionReceipt> {
    return mined("linking the cluster's contracts", () => this.contract.getFunction("link")(links.apps, links.events, links.reputation), explain);
  }

  linkDeviceDirectory(directory: string): Promise<TransactionReceipt> {
    return mined("linking the device directory", () => this.contract.getFunction("linkDeviceDirectory")(directory), explain);
  }

  heartbeat(): Promise<TransactionReceipt> {
    return mined("heartbeat", () => this.contract.getFunction("heartbeat")(), explain);
  }

  /** Seconds since each member's last sign of life, as the contract will judge it (by `now`, unix seconds). */
  async liveness(members: string[], now: number, blockTag?: number): Promise<Map<string, { lastSeen: number; alive: boolean }>> {
    const grace = Number(await this.contract.getFunction("livenessGrace")({ blockTag }));
    const seen = await Promise.all(members.map((m) => this.contract.getFunction("lastSeen")(m, { blockTag }) as Promise<bigint>));
    return new Map(members.map((m, i) => [m, { lastSeen: Number(seen[i]), alive: now <= Number(seen[i]) + grace }]));
  }

  async livenessGrace(): Promise<number> {
    return Number(await this.contract.getFunction("livenessGrace")());
  }

  async joinAuthority(): Promise<string> {
    return this.contract.getFunction("joinAuthority")();
  }

  register(node: NodeInput, joinSignature: string): Promise<TransactionReceipt> {
    const { name, specs, labels, endpoints } = toChain(node);
    return mined(`registering node "${node.name}"`, () => this.contract.getFunction("register")(name, specs, labels, endpoints, joinSignature), explain);
  }

  update(node: NodeInput): Promise<TransactionReceipt> {
    const { name, specs, labels, endpoints } = toChain(node);
    return mined(`updating node "${node.name}"`, () => this.contract.getFunction("update")(name, specs, labels, endpoints), explain);
  }

  voteEvict(target: string): Promise<TransactionReceipt> {
    return mined(`voting to evict ${target}`, () => this.contract.getFunction("voteEvict")(target), explain);
  }

  async isMember(address: string): Promise<boolean> {
    return this.contract.getFunction("isMember")(address);
  }

  async nodes(blockTag?: number): Promise<NodeRecord[]> {
    const raw: unknown[] = await this.contract.getFunction("allNodes")({ blockTag });
    return raw.map(fromChain);
  }

  async evictionQuorum(): Promise<number> {
    return Number(await this.contract.getFunction("evictionQuorum")());
  }
}

function toChain(node: NodeInput) {
  return {
    name: node.name,
    specs: node.specs,
    labels: Object.entries(node.labels).sort().map(([k, v]) => `${k}=${v}`),
    endpoints: node.endpoints,
  };
}

function fromChain(raw: any): NodeRecord {
  return {
    address: raw.addr,
    name: raw.name,
    specs: {
      arch: raw.specs.arch,
      cpuCores: Number(raw.specs.cpuCores),
      cpuMHz: Number(raw.specs.cpuMHz),
      memoryMB: Number(raw.specs.memoryMB),
      diskMB: Number(raw.specs.diskMB),
    },
    labels: Object.fromEntries((raw.labels as string[]).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])),
    endpoints: [...raw.endpoints],
    joinedAt: Number(raw.joinedAt),
    updatedAt: Number(raw.updatedAt),
  };
}
