// The `run` daemon: the module runner and the context its modules share. A level-triggered reconciler in modules:
// `sync` reads the cluster from chain and persists this node's desired replicas in SQLite before anything acts on
// them, `reconcile` makes Docker match them (also while the chain is unreachable), `claims`, `reports`, `workflow`
// and `heartbeat` write what this node decides to the chain, `monitor` judges the rules, and the rest serve
// (MQTT devices, the control API, maintenance, systemd). Order below is start order; stop runs it backwards.
import Docker from "dockerode";
import { readFileSync } from "node:fs";
import type { Wallet } from "ethers";
import type { DaemonStatus } from "../api/types";
import { ClusterClient } from "../cluster/client";
import type { Membership } from "../cluster/membership";
import { parseConfig, type LoadedConfig } from "../config";
import { Store, agentDbPath } from "../store/store";
import { memberHealth, modeOf } from "../workflow/workflow";
import { ChainHandle } from "./chain-handle";
import { AgentContext } from "./context";
import { logger } from "./log";
import { ApiModule } from "./modules/api";
import { ChainWatchModule } from "./modules/chain-watch";
import { ClaimsModule } from "./modules/claims";
import { GethModule } from "./modules/geth";
import { HeartbeatModule } from "./modules/heartbeat";
import { MaintenanceModule } from "./modules/maintenance";
import { MonitorModule } from "./modules/monitor";
import { MqttModule } from "./modules/mqtt";
import { NotifierModule } from "./modules/notifier";
import { ReconcileModule } from "./modules/reconcile";
import { ReportsModule } from "./modules/reports";
import { SyncModule } from "./modules/sync";
import { WorkflowModule } from "./modules/workflow";
import { Runner, type Module } from "./runtime";

const log = logger("agent");

export class Agent {
  private readonly ctx: AgentContext;
  private readonly runner: Runner;
  private readonly monitor = new MonitorModule();
  private readonly mqtt: MqttModule | undefined;
  private readonly startedAt = new Date().toISOString();

  constructor(config: LoadedConfig, membership: Membership, wallet: Wallet) {
    const store = new Store(agentDbPath(config.files.dataDir));
    const chain = new ChainHandle(() => ClusterClient.open(config, wallet));
    this.ctx = new AgentContext(config, membership, wallet, store, new Docker({ socketPath: config.values.docker.socket }), chain);
    this.mqtt = config.values.mqtt.enabled ? new MqttModule() : undefined;
    const modules: Module[] = [
      ...(config.values.chain.mode === "full" ? [new GethModule()] : []),
      new ChainWatchModule(),
      new SyncModule(),
      new ReconcileModule(),
      new ClaimsModule(),
      new ReportsModule(),
      new WorkflowModule(this.monitor),
      new HeartbeatModule(),
      this.monitor,
      ...(this.mqtt ? [this.mqtt] : []),
      new MaintenanceModule(this.mqtt),
      new ApiModule(() => ({
        status: () => this.status(),
        reload: () => this.reload(),
        client: () => this.ctx.chain.get(),
        mqtt: () => this.mqtt?.proxy,
        dataDir: config.files.dataDir,
      })),
      new NotifierModule(() => this.runner.stuck()),
    ];
    this.runner = new Runner(modules, log);
  }

  start(): Promise<void> {
    return this.runner.start(this.ctx);
  }

  /** Stops every module (in reverse) and leaves every container running. */
  async stop(): Promise<void> {
    await this.runner.stop();
    this.ctx.chain.close();
    this.ctx.store.close();
  }

  /** Why the daemon is stuck (the watchdog stops pinging), or null. */
  stuck(): string | null {
    return this.runner.stuck();
  }

  /** Re-reads the config file and hands it to the modules; an invalid file is refused whole, nothing changes. */
  reload(): string {
    const { path } = this.ctx.config;
    const values = parseConfig(readFileSync(path, "utf8"), path);
    const summary = this.runner.reload(values).join("; ");
    log(`reloaded: ${summary}`);
    return summary;
  }

  status(): DaemonStatus {
    const { state, address } = this.ctx;
    return {
      pid: process.pid, startedAt: this.startedAt, online: state.online, lastSyncAt: state.lastSyncAt, lastSyncBlock: state.lastSyncBlock,
      lastError: state.lastError, mode: modeOf(state.view, address), rules: this.monitor.ruleStates(), members: memberHealth(state.view),
      replicas: state.statuses, modules: this.runner.names(),
    };
  }
}
