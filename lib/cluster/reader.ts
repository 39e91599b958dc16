// The one read-only handle on a cluster: the chain connection and the cluster's contracts, whose links are resolved
// once when it opens. Every read an agent or a command makes of cluster state goes through here, with typed results;
// `ClusterClient` adds this node's signer and transaction queue on top.
import type { BlockTag } from "ethers";
import { AppRegistry, DeviceDirectory, DeviceRegistry, EventLogger, Operators, type AppRecord, type ChainConnection, type MemberRecord, type Migration } from "../chain";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { openChain } from "../node/open";
import { requireMembership } from "./membership";

/** Members (with liveness and reputation) and apps read at one block, so the two agree. */
export type ClusterState = { block: number; timestamp: number; members: MemberRecord[]; apps: AppRecord[] };

const ZERO = /^0x0{40}$/;

export class ClusterReader {
  private constructor(
    readonly chain: ChainConnection,
    readonly devices: DeviceRegistry,
    readonly apps: AppRegistry,
    readonly events: EventLogger,
    /** The cluster's operator keys and roles (whose deployers and admins change apps). */
    readonly operators: Operators,
    /** The MQTT device directory (null for a cluster created before it existed). */
    readonly directory: DeviceDirectory | null,
  ) {}

  /** The cluster whose DeviceRegistry is at `registry`, read through `chain`. */
  static async at(chain: ChainConnection, registry: string): Promise<ClusterReader> {
    const devices = new DeviceRegistry(registry, chain.provider);
    const links = await devices.links();
    if (ZERO.test(links.apps)) throw new UserError(`cluster ${registry} has no app registry linked`);
    const directory = ZERO.test(links.deviceDirectory) ? null : new DeviceDirectory(links.deviceDirectory, chain.provider);
    const apps = new AppRegistry(links.apps, chain.provider);
    const operators = new Operators(await apps.operators(), chain.provider);
    return new ClusterReader(chain, devices, apps, new EventLogger(links.events, chain.provider), operators, directory);
  }

  /** This node's cluster, through the chain connection its config and membership describe. */
  static async open(config: LoadedConfig): Promise<ClusterReader> {
    const { registry, chainId } = requireMembership(config);
    const chain = await openChain(config, { chainId });
    try {
      return await ClusterReader.at(chain, registry);
    } catch (err) {
      chain.provider.destroy();
      throw err;
    }
  }

  get provider(): ChainConnection["provider"] {
    return this.chain.provider;
  }

  get registry(): string {
    return this.devices.address;
  }

  async head(): Promise<{ number: number; timestamp: number }> {
    const block = await this.provider.getBlock("latest");
    if (!block) throw new Error("the chain has no latest block");
    return { number: block.number, timestamp: block.timestamp };
  }

  /** Every member with liveness and reputation, and every app with its replicas, at the head block. */
  async state(): Promise<ClusterState> {
    const head = await this.head();
    const [members, apps] = await Promise.all([this.devices.members(head.number), this.apps.snapshot(head.number)]);
    return { block: head.number, timestamp: head.timestamp, members, apps };
  }

  /** Migrations with ids from `from` on (all of them by default), at one block. */
  async migrations(from = 0, blockTag?: BlockTag): Promise<Migration[]> {
    const count = await this.events.count(blockTag);
    return count > from ? this.events.range(from, count - from, blockTag) : [];
  }

  /** The device directory, or a clear error for a cluster that has none. */
  deviceDirectory(): DeviceDirectory {
    if (!this.directory) throw new UserError("this cluster has no device directory (it was created before the MQTT proxy existed)");
    return this.directory;
  }

  destroy(): void {
    this.provider.destroy();
  }
}
