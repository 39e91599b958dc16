// Module `reconcile`: makes this node's containers match the desired replicas in agent.db (balena-supervisor's
// target/current loop: observe by label, plan typed steps, apply). Runs when the desired set changes, when one of
// our containers changes in Docker, and at least every resync interval, also while the chain is unreachable. Its
// statuses go on the bus for the reports and the workflow. `reload` takes a new publish address and registries:
// the config hash on each container makes the next run recreate the ones they change.
import type { Config } from "../../config";
import { DockerReconciler, type ReconcilerSettings } from "../../docker";
import { mqttContainerEnv } from "../../mqtt";
import type { AgentContext } from "../context";
import { LoopModule, type LoopSpec } from "../loop";

const settingsOf = (config: Config): ReconcilerSettings => ({ publishAddress: config.docker.publish_address, registries: config.docker.registries });

export class ReconcileModule extends LoopModule {
  readonly name = "reconcile";
  private reconciler: DockerReconciler | undefined;
  private stopWatch: (() => void) | undefined;

  protected loop(ctx: AgentContext): LoopSpec {
    const { config, wallet } = ctx;
    const reconciler = new DockerReconciler({
      docker: ctx.docker,
      nodeAddress: wallet.address,
      nodeName: config.values.node.name,
      cluster: ctx.membership.registry,
      settings: settingsOf(config.values),
      log: ctx.logger("docker"),
      extraEnv: (app) => mqttContainerEnv(config.values.mqtt, wallet.privateKey, app),
    });
    this.reconciler = reconciler;
    this.stopWatch = reconciler.watch(() => this.wake());
    return {
      everyMs: config.values.cluster.resync_interval_ms, // an image pull counts as one run against stuck_after_ms
      wakeOn: ["desired-changed"],
      run: async () => {
        ctx.state.statuses = await reconciler.reconcile(ctx.store.desired());
        ctx.state.containers = reconciler.lastObserved().map((a) => ({ id: a.containerId, app: a.app, replica: a.replica }));
        ctx.bus.emit("statuses", ctx.state.statuses);
      },
    };
  }

  override async stop(): Promise<void> {
    this.stopWatch?.();
    await super.stop();
  }

  reload(config: Config): string | undefined {
    const settings = settingsOf(config);
    if (!this.reconciler || JSON.stringify(this.reconciler.settings()) === JSON.stringify(settings)) return undefined;
    this.reconciler.configure(settings);
    this.wake();
    return `docker settings: publish address ${settings.publishAddress}, registries ${settings.registries.join(", ") || "the engine's default"} (containers they change are recreated)`;
  }
}
