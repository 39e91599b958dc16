// Module `heartbeat`: one small transaction every [cluster] heartbeat_interval_ms while the chain answers, so the
// other members see this node alive (DeviceRegistry.lastSeen); a member silent past the liveness grace is lost.
import { explainTxError } from "../../chain";
import type { AgentContext } from "../context";
import { Loop } from "../loop";
import type { Module } from "../runtime";

export class HeartbeatModule implements Module {
  readonly name = "heartbeat";
  private loop: Loop | undefined;
  private stopping = false;

  start(ctx: AgentContext): void {
    const log = ctx.logger("agent");
    const every = ctx.config.values.cluster.heartbeat_interval_ms;
    this.loop = new Loop({
      everyMs: every,
      firstRunAfterMs: every,
      fixedRate: true,
      limitMs: ctx.config.values.service.stuck_after_ms,
      log,
      run: async () => {
        const client = ctx.chain.ready();
        if (!client || !ctx.state.online) return;
        try {
          await client.queue.run(() => client.devices.heartbeat());
        } catch (err) {
          if (!this.stopping) log(`heartbeat failed: ${explainTxError(err)}`); // a stop destroys the provider under it
        }
      },
    });
    this.loop.start();
  }

  stop(): Promise<void> | undefined {
    this.stopping = true;
    return this.loop?.stop();
  }

  health(now: number): string | null {
    return this.loop?.health(now) ?? null;
  }
}
