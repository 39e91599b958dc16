// A node's handle on its cluster: the chain connection, both registries bound to its key, and its transaction queue.
import { connectSigner } from "../chain/signer";
import type { JsonRpcProvider, Wallet } from "ethers";
import { AppRegistry, DeviceRegistry, EventLogger, Reputation, type AppRecord, type NodeRecord } from "../chain";
import { TxQueue } from "../chain/tx-queue";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { openChain, unlockNodeKey } from "../node/open";

export type ClusterState = { block: number; timestamp: number; members: NodeRecord[]; apps: AppRecord[] };

export class ClusterClient {
  readonly queue = new TxQueue();

  private constructor(
    readonly provider: JsonRpcProvider,
    readonly wallet: Wallet,
    readonly devices: DeviceRegistry,
    readonly apps: AppRegistry,
    readonly events: EventLogger,
    readonly reputation: Reputation,
  ) {}

  /** Connects with the node's key; `wallet` may be passed when the caller has unlocked it already. */
  static async open(config: LoadedConfig, wallet?: Wallet): Promise<ClusterClient> {
    const { registry, chain_id } = config.values.cluster;
    if (!registry) throw new UserError("this node is not in a cluster: run `edge-agent cluster create` or `edge-agent join` first");
    const { provider } = await openChain(config, [], BigInt(chain_id));
    const signer = connectSigner(wallet ?? (await unlockNodeKey(config)), provider);
    const devices = new DeviceRegistry(registry, signer);
    const links = await devices.links();
    if (/^0x0+$/.test(links.apps)) throw new UserError(`cluster ${registry} has no app registry linked`);
    return new ClusterClient(provider, signer, devices, new AppRegistry(links.apps, signer), new EventLogger(links.events, signer), new Reputation(links.reputation, signer));
  }

  get address(): string {
    return this.wallet.address;
  }

  /** Members and apps read at one block, so the two agree. */
  async state(): Promise<ClusterState> {
    const head = (await this.provider.getBlock("latest"))!;
    const [members, apps] = await Promise.all([this.devices.nodes(head.number), this.apps.snapshot(head.number)]);
    return { block: head.number, timestamp: head.timestamp, members, apps };
  }

  destroy(): void {
    this.provider.destroy();
  }
}
