// Module `maintenance`: the daemon's housekeeping on its own timer ([service] maintenance_interval_ms, no cron):
// dangling images, SQLite upkeep, old MQTT telemetry batches, and the permissions of the files that hold secrets
// (also tightened once at start). The work itself is lib/agent/maintenance.ts.
import type { AgentContext } from "../context";
import { Loop } from "../loop";
import { fixSecretPermissions, maintain } from "../maintenance";
import type { Module } from "../runtime";
import type { MqttModule } from "./mqtt";

export class MaintenanceModule implements Module {
  readonly name = "maintenance";
  private loop: Loop | undefined;

  constructor(private readonly mqtt: MqttModule | undefined) {}

  start(ctx: AgentContext): void {
    const log = ctx.logger("maintenance");
    fixSecretPermissions(ctx.config, log);
    const every = ctx.config.values.service.maintenance_interval_ms;
    this.loop = new Loop({
      everyMs: every,
      firstRunAfterMs: every,
      limitMs: ctx.config.values.service.stuck_after_ms,
      log,
      run: async () => void (await maintain({ docker: ctx.docker, store: ctx.store, config: ctx.config, log, mqtt: this.mqtt?.proxy })),
    });
    this.loop.start();
  }

  stop(): Promise<void> | undefined {
    return this.loop?.stop();
  }

  health(now: number): string | null {
    return this.loop?.health(now) ?? null;
  }
}
