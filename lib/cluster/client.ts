// A read-write handle on the cluster: the reader, a key connected to the same provider (the node's key, or an operator's
// for the app and operator commands), the contracts bound to that key, and the single transaction queue every
// transaction from this key goes through.
import type { Wallet } from "ethers";
import { AppRegistry, DeviceDirectory, DeviceRegistry, EventLogger, Operators } from "../chain";
import { connectSigner } from "../chain/signer";
import { TxQueue } from "../chain/tx-queue";
import type { LoadedConfig } from "../config";
import { unlockNodeKey } from "../node/open";
import { ClusterReader, type ClusterState } from "./reader";

export type { ClusterState } from "./reader";

export class ClusterClient {
  readonly queue = new TxQueue();
  readonly wallet: Wallet;
  readonly devices: DeviceRegistry;
  readonly apps: AppRegistry;
  readonly events: EventLogger;
  readonly operators: Operators;

  constructor(readonly reader: ClusterReader, wallet: Wallet) {
    this.wallet = connectSigner(wallet, reader.provider);
    this.devices = new DeviceRegistry(reader.devices.address, this.wallet);
    this.apps = new AppRegistry(reader.apps.address, this.wallet);
    this.events = new EventLogger(reader.events.address, this.wallet);
    this.operators = new Operators(reader.operators.address, this.wallet);
  }

  /** Connects with the node's key, or with `wallet` (the node's key unlocked already, or an operator's key). */
  static async open(config: LoadedConfig, wallet?: Wallet): Promise<ClusterClient> {
    const key = wallet ?? (await unlockNodeKey(config));
    return new ClusterClient(await ClusterReader.open(config), key);
  }

  get address(): string {
    return this.wallet.address;
  }

  get provider(): ClusterReader["provider"] {
    return this.reader.provider;
  }

  /** The device directory bound to this node's key. */
  directory(): DeviceDirectory {
    return new DeviceDirectory(this.reader.deviceDirectory().address, this.wallet);
  }

  state(): Promise<ClusterState> {
    return this.reader.state();
  }

  destroy(): void {
    this.reader.destroy();
  }
}
