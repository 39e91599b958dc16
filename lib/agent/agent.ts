// The `run` daemon: a level-triggered reconciler. Each pass reads the cluster state from chain (when reachable),
// persists this node's desired replicas in SQLite before acting, claims what the placement plan gives this node,
// reconciles Docker to the persisted desired state, and reports replica states on chain only when they change.
// Offline, passes go on from SQLite alone.
import Docker from "dockerode";
import { id as eventTopic, type Wallet } from "ethers";
import { readFileSync } from "node:fs";
import type { DesiredReplica, ReplicaStatus } from "../apps/types";
import { placementNodes } from "../apps/ops";
import { explainTxError } from "../chain";
import { ClusterClient, type ClusterState } from "../cluster/client";
import { parseConfig, type LoadedConfig } from "../config";
import { DockerReconciler, replicaAcceptsConnections } from "../docker";
import { UserError, messageOf } from "../errors";
import { Monitor, createSampler, type ContainerRef, type Firing, type RuleState } from "../monitor";
import { MigrationWorkflow, type MemberHealth, type Mode, type WorkflowView } from "../workflow/workflow";
import { ineligibility, planPlacement, usageByNode, type Claim } from "../placement/plan";
import { Store } from "../store/store";
import { watchChain } from "./chain-watch";
import { LoopHealth } from "./health";
import { fixSecretPermissions, startMaintenance } from "./maintenance";
import { logger } from "./log";
import { Wakeup } from "./wakeup";
import { MqttProxy, directoryOf, mqttContainerEnv, appDevicePatterns } from "../mqtt";

export type DaemonStatus = {
  pid: number;
  startedAt: string;
  online: boolean;
  lastSyncAt: string | null;
  lastSyncBlock: number | null;
  lastError: string | null;
  mode: Mode;
  rules: RuleState[];
  members: MemberHealth[];
  replicas: ReplicaStatus[];
};

const log = logger("agent");

export class Agent {
  readonly store: Store;
  private readonly reconciler: DockerReconciler;
  private readonly docker: Docker;
  private readonly wakeup = new Wakeup();
  private client: ClusterClient | undefined;
  private stopped = false;
  private loopDone: Promise<void> = Promise.resolve();
  private stopWatchers: Array<() => void> = [];
  private readonly pendingSince = new Map<string, number>();
  private readonly startedAt = new Date().toISOString();
  private online = false;
  private lastSyncAt: string | null = null;
  private lastSyncBlock: number | null = null;
  private lastError: string | null = null;
  private statuses: ReplicaStatus[] = [];
  private lastAppsSeen = "";
  private readonly monitor: Monitor;
  private workflow: MigrationWorkflow | undefined;
  private view: WorkflowView | undefined;
  private containerRefs: ContainerRef[] = [];
  private heartbeatInFlight = false;
  /** Progress of the daemon's loops; the systemd watchdog pings only while `health.stuck()` is null. */
  readonly health = new LoopHealth();
  /** The MQTT device proxy, when [mqtt] enabled. */
  readonly mqtt: MqttProxy | undefined;

  constructor(
    private readonly config: LoadedConfig,
    private readonly wallet: Wallet,
  ) {
    this.store = new Store(`${config.files.dataDir}/agent.db`);
    const { docker } = config.values;
    this.docker = new Docker({ socketPath: docker.socket });
    this.reconciler = new DockerReconciler({
      docker: this.docker,
      nodeAddress: wallet.address,
      nodeName: config.values.node.name,
      cluster: config.values.cluster.registry,
      publishAddress: docker.publish_address,
      registries: docker.registries,
      log: logger("docker"),
      extraEnv: (app) => mqttContainerEnv(config.values.mqtt, wallet.privateKey, app),
    });
    this.monitor = new Monitor({
      intervalMs: config.values.monitor.interval_ms,
      window: config.values.monitor.window,
      rules: config.values.monitor.rules,
      sampler: createSampler({ dataDir: config.files.dataDir, containers: async () => this.containerRefs }),
      onFire: (firing) => this.onFire(firing),
      log: logger("monitor"),
    });
    this.mqtt = config.values.mqtt.enabled ? new MqttProxy({ config, nodePrivateKey: wallet.privateKey, chain: async () => ({ directory: await directoryOf(await this.cluster()), queue: (await this.cluster()).queue }), appDevices: (app) => appDevicePatterns(this.store.desired(), app), log: logger("mqtt") }) : undefined;
  }

  start(): void {
    log(`node ${this.config.values.node.name} (${this.wallet.address}) in cluster ${this.config.values.cluster.registry}; ${this.store.desired().length} desired replicas in the local database`);
    this.stopWatchers.push(this.reconciler.watch(() => this.wakeup.signal()));
    this.stopWatchers.push(
      watchChain({
        provider: () => this.client?.provider,
        addresses: () => (this.client ? [this.client.devices.address, this.client.apps.address, this.client.events.address] : []),
        ignoreTopics: [eventTopic("Heartbeat(address)")],
        store: this.store,
        intervalMs: this.config.values.chain.poll_interval_ms,
        onChange: () => this.wakeup.signal(),
        onError: (err) => this.markOffline(err),
        log,
      }),
    );
    this.monitor.start();
    this.health.watch("reconcile", this.config.values.service.stuck_after_ms + this.config.values.cluster.resync_interval_ms);
    fixSecretPermissions(this.config, logger("maintenance"));
    this.stopWatchers.push(startMaintenance({ docker: this.docker, store: this.store, config: this.config, log: logger("maintenance"), mqtt: this.mqtt }, this.config.values.service.maintenance_interval_ms));
    void this.mqtt?.start().catch((err) => log(`MQTT proxy failed to start: ${messageOf(err)}`));
    const heartbeat = setInterval(() => void this.heartbeat(), this.config.values.cluster.heartbeat_interval_ms);
    this.stopWatchers.push(() => clearInterval(heartbeat), () => this.monitor.stop());
    this.loopDone = this.loop();
  }

  /** Re-reads the rules from the config file; a bad rule set is refused and the old rules stay in force. */
  reloadRules(): string {
    const values = parseConfig(readFileSync(this.config.path, "utf8"), this.config.path);
    try {
      this.monitor.reload(values.monitor.rules);
    } catch (err) {
      throw new UserError(`${this.config.path}: ${messageOf(err)}; the previous rules stay in force`);
    }
    const summary = `${values.monitor.rules.length} rule(s): ${values.monitor.rules.map((r) => r.name).join(", ") || "none"}`;
    log(`rules reloaded, ${summary}`);
    return summary;
  }

  private onFire(firing: Firing): void {
    const { rule } = firing;
    if (rule.action !== "migrate") return;
    const detail = `${rule.metric} ${rule.comparator} ${rule.bound}${rule.unit === "percent" ? "%" : ""}`;
    this.workflow?.requestMigration({ rule: rule.name, metric: rule.metric, detail, container: firing.container && { app: firing.container.app, replica: firing.container.replica } });
    this.wakeup.signal();
  }

  private async heartbeat(): Promise<void> {
    const client = this.client;
    if (!client || !this.online || this.heartbeatInFlight || this.stopped) return;
    this.heartbeatInFlight = true;
    try {
      await client.queue.run(() => client.devices.heartbeat());
    } catch (err) {
      if (!this.stopped) log(`heartbeat failed: ${explainTxError(err)}`); // a stop destroys the provider under it
    } finally {
      this.heartbeatInFlight = false;
    }
  }

  /** Stops the loops and leaves every container running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const stop of this.stopWatchers) stop();
    this.wakeup.signal();
    await this.loopDone;
    await this.mqtt?.stop();
    this.client?.destroy();
    this.store.close();
  }

  get dataDir(): string {
    return this.config.files.dataDir;
  }

  /** Wakes the loop now (after an app change made through the API). */
  poke(): void {
    this.wakeup.signal();
  }

  status(): DaemonStatus {
    return {
      pid: process.pid, startedAt: this.startedAt, online: this.online, lastSyncAt: this.lastSyncAt,
      lastSyncBlock: this.lastSyncBlock, lastError: this.lastError, mode: this.workflow?.mode(this.view) ?? "regular",
      rules: this.monitor.ruleStates(), members: this.workflow?.members(this.view) ?? [], replicas: this.statuses,
    };
  }

  /** The client for API requests that need the chain. */
  async cluster(): Promise<ClusterClient> {
    return (this.client ??= await ClusterClient.open(this.config, this.wallet));
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pass();
      } catch (err) {
        log(`pass failed: ${messageOf(err)}`);
      }
      this.health.beat("reconcile");
      if (this.stopped) break;
      await this.wakeup.wait(this.config.values.cluster.resync_interval_ms);
    }
  }

  private async pass(): Promise<void> {
    const state = await this.syncFromChain();
    this.statuses = await this.reconciler.reconcile(this.store.desired());
    this.containerRefs = this.reconciler.lastObserved().map((a) => ({ id: a.containerId, app: a.app, replica: a.replica }));
    if (!state || !this.client) return;
    await this.report(this.client, state);
    if (this.view && this.workflow && (await this.workflow.confirmSolved(this.view, this.statuses))) this.wakeup.signal();
  }

  /** Reads the chain, persists this node's desired replicas, claims its share. Null when the chain is unreachable. */
  private async syncFromChain(): Promise<ClusterState | null> {
    try {
      const client = await this.cluster();
      this.workflow ??= new MigrationWorkflow(client, logger("workflow"), {
        claimGraceMs: this.config.values.cluster.claim_grace_ms,
        usageOf: (app, replica, metric) => this.usageOf(app, replica, metric),
        acceptsConnections: (appId, replica, port) => replicaAcceptsConnections(this.docker, this.wallet.address, appId, replica, port),
      });
      let state = await client.state();
      this.logAppsSeen(state);
      this.view = await this.workflow.view(state);
      this.persistDesired(client.address, state, this.view);
      const claimed = await this.claim(client, state);
      const acted = await this.workflow.act(this.view);
      if (claimed || acted) {
        state = await client.state();
        this.view = await this.workflow.view(state);
        this.persistDesired(client.address, state, this.view);
      }
      this.markOnline(state.block);
      return state;
    } catch (err) {
      this.markOffline(err);
      return null;
    }
  }

  private logAppsSeen(state: ClusterState): void {
    const seen = state.apps.map((a) => `${a.name} v${a.version} (${a.replicas.filter((r) => r.node).length}/${a.replicas.length} placed)`).join(", ");
    if (seen !== this.lastAppsSeen) log(`block ${state.block}: apps ${seen || "none"}`);
    this.lastAppsSeen = seen;
  }

  /** This node's desired replicas: those assigned to it, plus those it is solving a migration for. */
  private persistDesired(me: string, state: ClusterState, view: WorkflowView): void {
    const member = state.members.some((m) => m.address === me);
    const desired: DesiredReplica[] = [];
    if (member) {
      for (const app of state.apps) {
        for (const r of app.replicas) {
          if (r.node === me) desired.push({ appId: app.id, app: app.name, replica: r.replica, version: app.version, spec: app.spec });
        }
      }
      for (const s of this.workflow!.solving(view)) {
        if (!desired.some((d) => d.appId === s.appId && d.replica === s.replica)) desired.push({ appId: s.appId, app: s.app, replica: s.replica, version: s.version, spec: s.spec });
      }
    }
    if (this.store.replaceDesired(desired)) log(`desired state: ${desired.map((d) => `${d.app}#${d.replica}@v${d.version}`).join(", ") || "nothing"}`);
  }

  /** Claims what the plan gives this node, and pending replicas others left unclaimed past the grace. */
  private async claim(client: ClusterClient, state: ClusterState): Promise<boolean> {
    const me = client.address;
    const nodes = placementNodes(state.members);
    const self = nodes.find((n) => n.address === me);
    if (!self) return false;
    const claims: Claim[] = [...(planPlacement(state.apps, nodes).get(me) ?? [])];

    const now = Date.now();
    const stillPending = new Set<string>();
    const usage = usageByNode(state.apps, nodes).get(me)!;
    for (const app of state.apps) {
      if (app.spec.everyNode) continue;
      const planned = new Set(claims.flatMap((c) => (c.appId === app.id && "replicas" in c ? c.replicas : [])));
      const overdue: number[] = [];
      for (const r of app.replicas) {
        if (r.node !== null) continue;
        const key = `${app.id}#${r.replica}`;
        stillPending.add(key);
        const since = this.pendingSince.get(key) ?? now;
        this.pendingSince.set(key, since);
        if (!planned.has(r.replica) && now - since >= this.config.values.cluster.claim_grace_ms && !ineligibility(app, self, usage)) overdue.push(r.replica);
      }
      if (overdue.length > 0) claims.push({ appId: app.id, app: app.name, replicas: overdue.slice(0, 1) });
    }
    for (const key of this.pendingSince.keys()) if (!stillPending.has(key)) this.pendingSince.delete(key);

    let claimed = false;
    for (const c of claims) {
      try {
        if ("everyNode" in c) await client.queue.run(() => client.apps.claimEveryNode(c.appId));
        else await client.queue.run(() => client.apps.claim(c.appId, c.replicas));
        log(`claimed ${c.app} ${"everyNode" in c ? "(every node)" : `replicas ${c.replicas.join(",")}`}`);
        claimed = true;
      } catch (err) {
        log(`claim of ${c.app} lost: ${messageOf(err)}`); // another node was faster, or the state moved
      }
    }
    return claimed;
  }

  /** Sends a report for each replica whose running/failed state differs from what the chain holds. */
  private async report(client: ClusterClient, state: ClusterState): Promise<void> {
    for (const s of this.statuses) {
      if (s.state === "starting") continue;
      const record = state.apps.find((a) => a.id === s.appId)?.replicas[s.replica];
      if (!record || record.node !== client.address) continue;
      const reason = s.reason.slice(0, 200);
      if (record.state === s.state && record.version === s.version && record.reason === reason) continue;
      try {
        await client.queue.run(() => client.apps.report(s.appId, s.replica, s.state, s.version, reason));
        log(`reported ${s.app}#${s.replica} ${s.state}${reason ? ` (${reason})` : ""}`);
      } catch (err) {
        log(`report of ${s.app}#${s.replica} failed: ${explainTxError(err)}`);
      }
    }
  }

  /** How much of a metric a replica's container used in the monitor's last sample (for choosing what to move). */
  private usageOf(app: string, replica: number, metric: string): number {
    const c = this.monitor.lastSample()?.containers.find((x) => x.app === app && x.replica === replica);
    if (!c) return 0;
    return metric.includes("cpu") ? c.cpuPercent : c.memoryMB;
  }

  private markOnline(block: number): void {
    if (!this.online) log(`chain reachable (block ${block})`);
    this.online = true;
    this.lastSyncAt = new Date().toISOString();
    this.lastSyncBlock = block;
    this.lastError = null;
  }

  private markOffline(err: unknown): void {
    const why = messageOf(err).split("\n")[0]!;
    if (this.online || this.lastError === null) log(`chain unreachable, running from the local database: ${why}`);
    this.online = false;
    this.lastError = why;
  }
}
