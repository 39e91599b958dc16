// Level-triggered reconciler for one node: observe our containers, plan steps to the desired set, apply, report.
import type { DesiredReplica, ReplicaStatus } from "../apps/types";
import { applySteps } from "./apply";
import { engineMessage } from "./engine-errors";
import { localImages } from "./images";
import { observeContainers } from "./observe";
import { planSteps } from "./plan";
import { replicaStatuses } from "./status";
import { containerConfigHash, type ContainerContext } from "./container-spec";
import type { ActualReplica, ReconcilerOptions, ReconcilerSettings, Step } from "./types";
import { watchContainers } from "./watch";

export class DockerReconciler {
  private readonly nodeAddress: string;
  private readonly restarts = new Map<string, number>(); // container id → starts after it stopped
  private queue: Promise<unknown> = Promise.resolve(); // reconciles run one at a time
  private observed: ActualReplica[] = []; // what the last reconcile saw when it judged the statuses

  constructor(private readonly opts: ReconcilerOptions) {
    this.nodeAddress = opts.nodeAddress.trim().toLowerCase();
    if (this.nodeAddress === "") throw new Error("DockerReconciler needs a node address: it is what marks this node's containers");
  }

  /** This node's containers only (label edge-agent.node = our address), stopped ones included. */
  async observe(): Promise<ActualReplica[]> {
    let actual: ActualReplica[];
    try {
      actual = await observeContainers(this.opts.docker, this.nodeAddress);
    } catch (err) {
      throw new Error(`cannot list containers on the Docker engine: ${engineMessage(err)}`);
    }
    const present = new Set(actual.map((a) => a.containerId));
    for (const id of this.restarts.keys()) if (!present.has(id)) this.restarts.delete(id);
    return actual.map((a) => ({ ...a, restartCount: a.restartCount + (this.restarts.get(a.containerId) ?? 0) }));
  }

  /** This node's containers as the last reconcile left them (no engine call). */
  lastObserved(): ActualReplica[] {
    return this.observed;
  }

  /** Pure: the steps that turn `actual` into `desired`, given the images present locally. */
  plan(desired: DesiredReplica[], actual: ActualReplica[], images: Set<string>): Step[] {
    const container = this.containerContext();
    return planSteps(desired, actual, images, this.opts.nodeName, (r) => containerConfigHash(r, container));
  }

  /** New settings (`edge-agent reload`); containers they change are recreated by the next reconcile. */
  configure(settings: ReconcilerSettings): void {
    this.opts.settings = settings;
  }

  settings(): ReconcilerSettings {
    return this.opts.settings;
  }

  /** Observe → plan → apply; one status per desired replica. Failures of one replica never stop the others. */
  reconcile(desired: DesiredReplica[]): Promise<ReplicaStatus[]> {
    const run = this.queue.then(() => this.reconcileNow(desired));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Calls onChange when one of our containers changes state, and after the engine comes back. Returns stop(). */
  watch(onChange: () => void): () => void {
    return watchContainers({ docker: this.opts.docker, nodeAddress: this.nodeAddress, log: this.opts.log }, onChange);
  }

  private containerContext(): ContainerContext {
    const { nodeName, cluster, settings, extraEnv } = this.opts;
    return { nodeAddress: this.nodeAddress, nodeName, cluster, publishAddress: settings.publishAddress, extraEnv };
  }

  private async reconcileNow(desired: DesiredReplica[]): Promise<ReplicaStatus[]> {
    const { docker, log } = this.opts;
    const actual = await this.observe();
    const images = await localImages(docker, desired.map((d) => d.spec.image));
    const steps = this.plan(desired, actual, images);
    if (steps.length === 0) {
      this.observed = actual;
      return replicaStatuses(desired, actual, new Map());
    }
    const failures = await applySteps(steps, { docker, container: this.containerContext(), registries: this.opts.settings.registries, log, restarts: this.restarts });
    this.observed = await this.observe();
    return replicaStatuses(desired, this.observed, failures);
  }
}
