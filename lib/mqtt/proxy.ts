// The MQTT device proxy the daemon runs when [mqtt] enabled = true: a broker (embedded, or the site's in bridge
// mode), device logins checked against the on-chain directory, twins kept in SQLite, telemetry batched into
// Merkle roots on chain. start()/stop() are its whole interface to the daemon; syncSoon() after a device change.
import { readFileSync } from "node:fs";
import { isAbsolute, join, dirname } from "node:path";
import type { DeviceDirectory, DeviceRecord } from "../chain";
import type { TxQueue } from "../chain/tx-queue";
import type { LoadedConfig } from "../config";
import { messageOf } from "../errors";
import { agentFilters, parseDeviceTopic, topics, type Principal } from "./acl";
import { startBridge } from "./bridge";
import { startEmbeddedBroker } from "./broker";
import { APP_USER_PREFIX, appPasswordMatches, credentialMatches } from "./credentials";
import { MqttStore } from "./store";
import { TelemetryBatcher } from "./telemetry";
import type { Transport } from "./transport";
import { deltaMessage, jsonObject, twinMessage, type Twin } from "./twin";

export type ProxyDeps = {
  config: LoadedConfig;
  nodePrivateKey: string;
  /** The directory bound to the node's key, and the daemon's transaction queue (throws while the chain is down). */
  chain: () => Promise<{ directory: DeviceDirectory; queue: TxQueue }>;
  /** The `devices` patterns of an app running on this node, or null if no such app runs here. */
  appDevices: (app: string) => string[] | null;
  log: (line: string) => void;
};

export const mqttDbPath = (dataDir: string) => join(dataDir, "mqtt.db");

export class MqttProxy {
  readonly store: MqttStore;
  private transport: Transport | undefined;
  private readonly devices = new Map<string, DeviceRecord>();
  private revision = -1;
  private lastForcedSync = 0;
  private syncing: Promise<void> | undefined;
  private syncStartedAt: number | null = null;
  private readonly timers: Array<ReturnType<typeof setInterval>> = [];
  private readonly batcher: TelemetryBatcher;
  private readonly mqtt;

  constructor(private readonly deps: ProxyDeps) {
    this.mqtt = deps.config.values.mqtt;
    this.store = new MqttStore(mqttDbPath(deps.config.files.dataDir));
    this.batcher = new TelemetryBatcher(this.store, async (roots) => {
      const { directory, queue } = await deps.chain();
      const receipt = await queue.run(() => directory.recordRoots(roots));
      return { block: receipt.blockNumber, tx: receipt.hash };
    }, deps.log);
  }

  async start(): Promise<void> {
    await this.sync().catch((err) => {
      for (const d of this.store.directory()) this.devices.set(d.id, d); // revision stays unknown: the next sync re-reads
      this.deps.log(`device directory unreachable, serving the ${this.devices.size} device(s) cached in mqtt.db: ${messageOf(err)}`);
    });
    this.transport = this.mqtt.mode === "bridge" ? await this.startBridge() : await this.startEmbedded();
    await this.transport.subscribe(agentFilters.telemetry, (topic, payload) => this.onTelemetry(topic, payload));
    await this.transport.subscribe(agentFilters.twinUpdate, (topic, payload) => void this.onReported(topic, payload));
    await this.transport.subscribe(agentFilters.twinGet, (topic) => void this.onGet(topic));
    // In bridge mode anyone the site broker lets in could set desired state; only the embedded broker's ACL is ours.
    if (this.mqtt.mode === "embedded") await this.transport.subscribe(agentFilters.twinDesired, (topic, payload) => void this.onDesired(topic, payload));
    for (const twin of this.store.twins()) await this.publishDelta(twin);
    this.timers.push(setInterval(() => void this.sync().catch(() => {}), this.mqtt.sync_interval_ms));
    this.timers.push(setInterval(() => void this.batcher.flush().catch((err) => this.deps.log(`telemetry roots not recorded yet: ${messageOf(err)}`)), this.mqtt.batch_interval_ms));
    this.deps.log(`MQTT proxy (${this.mqtt.mode}) on ${this.transport.address}; ${this.devices.size} device(s) in the directory`);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.transport?.stop().catch(() => {});
    await this.syncing;
    this.store.close();
  }

  /** Re-reads the directory now (after this node added, removed or changed a device). */
  syncSoon(): void {
    this.revision = -1;
    // A sync already under way may have read the directory before the change: run one more after it.
    void this.sync().then(() => this.sync()).catch(() => {});
  }

  /** Closes the current telemetry batches now (tests and shutdown-free checks). */
  flushTelemetry(): Promise<number> {
    return this.batcher.flush();
  }

  /** Drops telemetry batches older than telemetry_retention_ms (their roots stay on chain); the maintenance timer calls it. */
  pruneTelemetry(): number {
    return this.store.pruneBatches(new Date(Date.now() - this.mqtt.telemetry_retention_ms));
  }

  twins(): Twin[] {
    return this.store.twins();
  }

  private async startEmbedded(): Promise<Transport> {
    const { tls_cert, tls_key } = this.mqtt;
    return startEmbeddedBroker({
      listen: this.mqtt.listen,
      tls: tls_cert ? { cert: this.path(tls_cert), key: this.path(tls_key) } : null,
      limits: { maxPayloadBytes: this.mqtt.max_payload_bytes, maxMessagesPerSecond: this.mqtt.max_messages_per_second },
      authenticate: (user, password) => this.authenticate(user, password),
      onDeviceReady: (id) => void this.publishDelta(this.twinOf(id)),
      log: this.deps.log,
    });
  }

  private async startBridge(): Promise<Transport> {
    const { bridge_url, bridge_username, bridge_password_file } = this.mqtt;
    const password = bridge_password_file ? readFileSync(this.path(bridge_password_file), "utf8").trim() : "";
    return startBridge({ url: bridge_url, username: bridge_username, password, clientId: `edge-agent-${this.deps.config.values.node.name}`, log: this.deps.log });
  }

  private path(p: string): string {
    return isAbsolute(p) ? p : join(dirname(this.deps.config.path), p);
  }

  private async authenticate(user: string, password: string): Promise<Principal | null> {
    if (user.startsWith(APP_USER_PREFIX)) {
      const app = user.slice(APP_USER_PREFIX.length);
      const devices = this.deps.appDevices(app);
      return devices && appPasswordMatches(this.deps.nodePrivateKey, app, password) ? { kind: "app", app, devices } : null;
    }
    let record = this.devices.get(user);
    if (!record && Date.now() - this.lastForcedSync > 1000) {
      // A device added on another node since our last poll (or failing over to us): look once, not per attempt.
      this.lastForcedSync = Date.now();
      this.revision = -1;
      await this.sync().catch(() => {});
      record = this.devices.get(user);
    }
    return record && credentialMatches(record, password) ? { kind: "device", id: user } : null;
  }

  private sync(): Promise<void> {
    if (!this.syncing) this.syncStartedAt = Date.now();
    return (this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
      this.syncStartedAt = null;
    }));
  }

  /** How long the directory sync under way has taken, or 0 when none is (the daemon's health check). */
  syncBusyMs(now = Date.now()): number {
    return this.syncStartedAt === null ? 0 : now - this.syncStartedAt;
  }

  private async syncOnce(): Promise<void> {
    const { directory } = await this.deps.chain();
    const revision = await directory.revision();
    if (revision === this.revision) return;
    const all = await directory.all();
    const seen = new Set(all.map((d) => d.id));
    for (const id of this.devices.keys()) {
      if (seen.has(id)) continue;
      this.transport?.disconnectDevice(id);
      this.store.removeTwin(id);
      this.deps.log(`device ${id} removed from the directory: credentials revoked`);
    }
    this.devices.clear();
    for (const d of all) this.devices.set(d.id, d);
    this.store.saveDirectory(all);
    this.revision = revision;
    for (const d of all) {
      const twin = this.store.twin(d.id);
      if (!twin || d.desiredVersion > twin.desiredVersion) await this.publishDelta(this.twinOf(d.id));
    }
  }

  /** The stored twin, with the desired part brought up to the directory's if that is newer. */
  private twinOf(id: string): Twin {
    const record = this.devices.get(id);
    const twin = this.store.twin(id) ?? { device: id, desired: {}, desiredVersion: 0, reported: {}, reportedAt: null };
    if (record && record.desiredVersion > twin.desiredVersion) {
      twin.desired = record.desired;
      twin.desiredVersion = record.desiredVersion;
    }
    if (record) this.store.saveTwin(twin);
    return twin;
  }

  private async publishDelta(twin: Twin): Promise<void> {
    if (!this.devices.has(twin.device)) return;
    await this.transport?.publish(topics.twinDelta(twin.device), deltaMessage(twin), { retain: true }).catch(() => {});
  }

  private onTelemetry(topic: string, payload: Buffer): void {
    const t = parseDeviceTopic(topic);
    if (t && this.devices.has(t.id)) this.batcher.add(t.id, topic, payload);
  }

  private async onReported(topic: string, payload: Buffer): Promise<void> {
    const id = parseDeviceTopic(topic)!.id;
    const body = jsonObject(payload);
    if (!this.devices.has(id) || !body) return;
    const reported = jsonObject(JSON.stringify(body.reported ?? null)) ?? body;
    const twin = this.twinOf(id);
    twin.reported = { ...twin.reported, ...reported };
    twin.reportedAt = new Date().toISOString();
    this.store.saveTwin(twin);
    await this.publishDelta(twin);
  }

  private async onGet(topic: string): Promise<void> {
    const id = parseDeviceTopic(topic)!.id;
    if (this.devices.has(id)) await this.transport?.publish(topics.twinGetResult(id), twinMessage(this.twinOf(id))).catch(() => {});
  }

  private async onDesired(topic: string, payload: Buffer): Promise<void> {
    const id = parseDeviceTopic(topic)!.id;
    const changes = jsonObject(payload);
    if (!this.devices.has(id) || !changes) return;
    try {
      const { directory, queue } = await this.deps.chain();
      await queue.run(() => directory.setDesired(id, mergeDesired(this.twinOf(id).desired, changes)));
      this.syncSoon();
    } catch (err) {
      this.deps.log(`desired twin of ${id} from an app not recorded: ${messageOf(err)}`);
    }
  }
}

/** New desired properties over the old; a null value removes the key. */
export function mergeDesired(old: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...old, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === null) delete merged[k];
  return merged;
}
