// Module `heartbeat`: one small transaction every [cluster] heartbeat_interval_ms while the chain answers, so the
// other members see this node alive (DeviceRegistry.lastSeen); a member silent past the liveness grace is lost.
import { explainTxError } from "../../chain";
import type { AgentContext } from "../context";
import { LoopModule, type LoopSpec } from "../loop";

export class HeartbeatModule extends LoopModule {
  readonly name = "heartbeat";
  private stopping = false;

  protected loop(ctx: AgentContext): LoopSpec {
    const every = ctx.config.values.cluster.heartbeat_interval_ms;
    return { everyMs: every, firstRunAfterMs: every, fixedRate: true, run: () => this.beat(ctx) };
  }

  override stop(): Promise<void> {
    this.stopping = true;
    return super.stop();
  }

  private async beat(ctx: AgentContext): Promise<void> {
    const client = ctx.chain.ready();
    if (!client || !ctx.state.online) return;
    try {
      await client.queue.run(() => client.devices.heartbeat());
    } catch (err) {
      if (!this.stopping) ctx.logger("agent")(`heartbeat failed: ${explainTxError(err)}`); // a stop destroys the provider under it
    }
  }
}
