// Module `maintenance`: the daemon's housekeeping on its own timer ([service] maintenance_interval_ms, no cron):
// dangling images, SQLite upkeep, old MQTT telemetry batches, and the permissions of the files that hold secrets
// (also tightened once at start). The work itself is lib/agent/maintenance.ts.
import type { AgentContext } from "../context";
import { LoopModule, type LoopSpec } from "../loop";
import { fixSecretPermissions, maintain } from "../maintenance";
import type { MqttModule } from "./mqtt";

export class MaintenanceModule extends LoopModule {
  readonly name = "maintenance";

  constructor(private readonly mqtt: MqttModule | undefined) {
    super();
  }

  protected loop(ctx: AgentContext): LoopSpec {
    const log = ctx.logger(this.name);
    fixSecretPermissions(ctx.config, log);
    const every = ctx.config.values.service.maintenance_interval_ms;
    return {
      everyMs: every,
      firstRunAfterMs: every,
      run: async () => void (await maintain({ docker: ctx.docker, store: ctx.store, config: ctx.config, log, mqtt: this.mqtt?.proxy })),
    };
  }
}
