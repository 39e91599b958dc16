// The daemon's module runtime (KubeEdge's beehive is the model): every long-running part of `edge-agent run` is a
// Module with a name, start(ctx), stop() and a health check. The Runner starts them in order, stops them in reverse,
// and answers for all of them at once: the systemd watchdog pings only while no module is stuck.
import { messageOf } from "../errors";
import type { Config } from "../config";
import type { AgentContext } from "./context";
import type { Log } from "./log";

export interface Module {
  readonly name: string;
  start(ctx: AgentContext): void | Promise<void>;
  stop(): void | Promise<void>;
  /** Null while the module makes progress, else why it is stuck (the watchdog then restarts the agent). */
  health(now: number): string | null;
  /** Takes the settings it can change while running from a freshly loaded config; returns what changed, if anything. */
  reload?(config: Config): string | undefined;
}

export class Runner {
  private readonly started: Module[] = [];

  constructor(
    private readonly modules: Module[],
    private readonly log: Log,
  ) {}

  /** Starts each module in order; if one fails, the ones already started are stopped again and the error goes up. */
  async start(ctx: AgentContext): Promise<void> {
    for (const m of this.modules) {
      try {
        await m.start(ctx);
      } catch (err) {
        this.log(`module ${m.name} failed to start: ${messageOf(err)}`);
        await this.stop();
        throw err;
      }
      this.started.push(m);
    }
  }

  /** Stops the started modules in reverse order; one that fails to stop does not keep the others running. */
  async stop(): Promise<void> {
    for (const m of this.started.splice(0).reverse()) {
      try {
        await m.stop();
      } catch (err) {
        this.log(`module ${m.name} failed to stop: ${messageOf(err)}`);
      }
    }
  }

  /** The first module that is stuck, and why; null while every module is healthy. */
  stuck(now = Date.now()): string | null {
    for (const m of this.started) {
      const why = m.health(now);
      if (why !== null) return `${m.name}: ${why}`;
    }
    return null;
  }

  /** Hands a freshly loaded config to every module that can change settings while running. */
  reload(config: Config): string[] {
    return this.started.flatMap((m) => m.reload?.(config) ?? []);
  }

  names(): string[] {
    return this.modules.map((m) => m.name);
  }
}
