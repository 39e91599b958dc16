// Typed binding of the DeviceDirectory contract: MQTT devices under their fog node, credential hashes, the desired
// twin, and the Merkle roots of relayed telemetry.
import { Contract, Interface, ZeroAddress, id as keccakUtf8, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import { UserError } from "../errors";
import { DeviceDirectoryArtifact } from "./artifacts";
import { deployed, mined, type RevertExplainer } from "./tx";

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

const explain: RevertExplainer = { iface: new Interface(DeviceDirectoryArtifact.abi), explain: (name, args) => {
  switch (name) {
    case "NotMember": return `${args[0]} is not a member of this cluster`;
    case "DeviceExists": return `a device named "${args[0]}" is already registered`;
    case "NoSuchDevice": return "no such device";
    case "NotOwner": return `device "${args[0]}" belongs to fog node ${args[1]}; only that node may change or remove it`;
    case "InvalidId": return "device ids are 1 to 64 characters";
    case "LengthMismatch": return "roots, devices and counts differ in length";
    default: return undefined;
  }
} };

/** The contract's key for a device id: keccak256 of its UTF-8 bytes. */
export const deviceKeyOf = (id: string): string => keccakUtf8(id);

export class DeviceDirectory {
  private readonly contract: Contract;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new Contract(address, DeviceDirectoryArtifact.abi, runner);
  }

  static async deploy(signer: Signer, registry: string): Promise<{ directory: DeviceDirectory; receipt: TransactionReceipt }> {
    const receipt = await deployed("DeviceDirectory", DeviceDirectoryArtifact, signer, [registry]);
    return { directory: new DeviceDirectory(receipt.contractAddress!, signer), receipt };
  }

  /** The directory a cluster's DeviceRegistry links to; a clear error for a cluster created before it existed. */
  static async of(registry: Contract | { address: string; runner: ContractRunner }): Promise<DeviceDirectory> {
    const reg = registry instanceof Contract ? registry : new Contract(registry.address, ["function deviceDirectory() view returns (address)"], registry.runner);
    let address: string;
    try {
      address = await reg.getFunction("deviceDirectory")();
    } catch {
      address = ZeroAddress;
    }
    if (address === ZeroAddress) throw new UserError("this cluster has no device directory (it was created before the MQTT proxy existed)");
    return new DeviceDirectory(address, reg.runner!);
  }

  add(d: DeviceInput): Promise<TransactionReceipt> {
    const labels = Object.entries(d.labels).sort().map(([k, v]) => `${k}=${v}`);
    return mined(`registering device "${d.id}"`, () => this.contract.getFunction("add")(d.id, d.type, labels, d.credentialSalt, d.credentialHash), explain);
  }

  remove(id: string): Promise<TransactionReceipt> {
    return mined(`removing device "${id}"`, () => this.contract.getFunction("remove")(id), explain);
  }

  setDesired(id: string, desired: Record<string, unknown>): Promise<TransactionReceipt> {
    return mined(`setting the desired twin of "${id}"`, () => this.contract.getFunction("setDesired")(id, JSON.stringify(desired)), explain);
  }

  recordRoots(roots: RootRecord[]): Promise<TransactionReceipt> {
    return mined(`recording ${roots.length} telemetry root(s)`, () => this.contract.getFunction("recordRoots")(roots.map((r) => r.deviceKey), roots.map((r) => r.root), roots.map((r) => r.messages)), explain);
  }

  async revision(): Promise<number> {
    return Number(await this.contract.getFunction("revision")());
  }

  /** Block the root was recorded in for the device, or 0 if it never was. */
  async rootBlock(id: string, root: string): Promise<number> {
    return Number(await this.contract.getFunction("rootBlock")(deviceKeyOf(id), root));
  }

  async all(): Promise<DeviceRecord[]> {
    const raw: unknown[] = await this.contract.getFunction("all")();
    return raw.map(fromChain);
  }
}

function fromChain(raw: any): DeviceRecord {
  let desired: Record<string, unknown> = {};
  try {
    desired = JSON.parse(raw.desired);
  } catch {
    // a member wrote something that is not JSON: treat as empty rather than fail every agent
  }
  return {
    id: raw.id,
    node: raw.node,
    type: raw.deviceType,
    labels: Object.fromEntries((raw.labels as string[]).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])),
    credentialSalt: raw.credentialSalt,
    credentialHash: raw.credentialHash,
    desired,
    desiredVersion: Number(raw.desiredVersion),
    addedAt: Number(raw.addedAt),
  };
}
