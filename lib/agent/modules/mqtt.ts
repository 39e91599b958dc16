// Module `mqtt` ([mqtt] enabled): the device proxy for constrained IoT devices: the embedded broker (or a bridge to
// the site's), logins checked against the on-chain device directory, twins, telemetry roots batched on chain
// through the daemon's one transaction queue. Stuck when a directory sync hangs.
import { MqttProxy, appDevicePatterns } from "../../mqtt";
import { messageOf } from "../../errors";
import type { AgentContext } from "../context";
import type { Module } from "../runtime";

export class MqttModule implements Module {
  readonly name = "mqtt";
  proxy: MqttProxy | undefined;
  private limitMs = 0;

  start(ctx: AgentContext): void {
    const log = ctx.logger("mqtt");
    this.limitMs = ctx.config.values.service.stuck_after_ms;
    this.proxy = new MqttProxy({
      config: ctx.config,
      nodePrivateKey: ctx.wallet.privateKey,
      chain: async () => {
        const client = await ctx.chain.get();
        return { directory: client.directory(), queue: client.queue };
      },
      appDevices: (app) => appDevicePatterns(ctx.store.desired(), app),
      log,
    });
    // Not awaited: a broker port that is taken must not keep the rest of the daemon down.
    void this.proxy.start().catch((err) => log(`MQTT proxy failed to start: ${messageOf(err)}`));
  }

  async stop(): Promise<void> {
    await this.proxy?.stop();
  }

  health(now: number): string | null {
    const busy = this.proxy?.syncBusyMs(now) ?? 0;
    return busy > this.limitMs ? `a device directory sync has taken ${Math.round(busy / 1000)} s` : null;
  }
}
