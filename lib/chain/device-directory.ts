// Typed binding of the DeviceDirectory contract: MQTT devices under their fog node, credential hashes, the desired
// twin, and the Merkle roots of relayed telemetry.
import { id as keccakUtf8, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import { DeviceDirectoryArtifact } from "./abi";
import { TypedContract, type Result } from "./contract";
import { deployed, mined, type RevertExplainer } from "./tx";
import { recordOfPairs } from "./app-registry";

export type DeviceRecord = {
  id: string;
  node: string;
  type: string;
  labels: Record<string, string>;
  credentialSalt: string; // 0x + 16 bytes
  credentialHash: string; // 0x + 32 bytes
  desired: Record<string, unknown>;
  desiredVersion: number;
  addedAt: number;
};

export type DeviceInput = { id: string; type: string; labels: Record<string, string>; credentialSalt: string; credentialHash: string };

export type RootRecord = { deviceKey: string; root: string; messages: number };

type Abi = typeof DeviceDirectoryArtifact.abi;
type ChainDevice = Result<Abi, "get">;

const explain = (iface: RevertExplainer["iface"]): RevertExplainer => ({ iface, explain: (name, args) => {
  switch (name) {
    case "NotMember": return `${args[0]} is not a member of this cluster`;
    case "DeviceExists": return `a device named "${args[0]}" is already registered`;
    case "NoSuchDevice": return "no such device";
    case "NotOwner": return `device "${args[0]}" belongs to fog node ${args[1]}; only that node may change or remove it`;
    case "InvalidId": return "device ids are 1 to 64 characters";
    case "LengthMismatch": return "roots, devices and counts differ in length";
    default: return undefined;
  }
} });

/** The contract's key for a device id: keccak256 of its UTF-8 bytes. */
export const deviceKeyOf = (id: string): string => keccakUtf8(id);

export class DeviceDirectory {
  private readonly contract: TypedContract<Abi>;
  private readonly explain: RevertExplainer;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new TypedContract(address, DeviceDirectoryArtifact.abi, runner);
    this.explain = explain(this.contract.iface);
  }

  static async deploy(signer: Signer, registry: string): Promise<{ directory: DeviceDirectory; receipt: TransactionReceipt }> {
    const receipt = await deployed("DeviceDirectory", DeviceDirectoryArtifact, signer, [registry]);
    return { directory: new DeviceDirectory(receipt.contractAddress!, signer), receipt };
  }

  add(d: DeviceInput): Promise<TransactionReceipt> {
    const labels = Object.entries(d.labels).sort().map(([k, v]) => `${k}=${v}`);
    return mined(`registering device "${d.id}"`, () => this.contract.send("add", [d.id, d.type, labels, d.credentialSalt, d.credentialHash]), this.explain);
  }

  remove(id: string): Promise<TransactionReceipt> {
    return mined(`removing device "${id}"`, () => this.contract.send("remove", [id]), this.explain);
  }

  setDesired(id: string, desired: Record<string, unknown>): Promise<TransactionReceipt> {
    return mined(`setting the desired twin of "${id}"`, () => this.contract.send("setDesired", [id, JSON.stringify(desired)]), this.explain);
  }

  recordRoots(roots: RootRecord[]): Promise<TransactionReceipt> {
    return mined(`recording ${roots.length} telemetry root(s)`, () => this.contract.send("recordRoots", [roots.map((r) => r.deviceKey), roots.map((r) => r.root), roots.map((r) => r.messages)]), this.explain);
  }

  async revision(): Promise<number> {
    return Number(await this.contract.read("revision", []));
  }

  /** Block the root was recorded in for the device, or 0 if it never was. */
  async rootBlock(id: string, root: string): Promise<number> {
    return Number(await this.contract.read("rootBlock", [deviceKeyOf(id), root]));
  }

  async all(): Promise<DeviceRecord[]> {
    return (await this.contract.read("all", [])).map(fromChain);
  }
}

function fromChain(raw: ChainDevice): DeviceRecord {
  let desired: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(raw.desired);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) desired = parsed as Record<string, unknown>;
  } catch {
    // a member wrote something that is not JSON: treat as empty rather than fail every agent
  }
  return {
    id: raw.id,
    node: raw.node,
    type: raw.deviceType,
    labels: recordOfPairs(raw.labels),
    credentialSalt: raw.credentialSalt,
    credentialHash: raw.credentialHash,
    desired,
    desiredVersion: Number(raw.desiredVersion),
    addedAt: Number(raw.addedAt),
  };
}
