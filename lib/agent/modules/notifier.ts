// Module `systemd`: READY=1 once every other module has started; WATCHDOG=1 while none of them is stuck (the
// Runner's health of all modules); STOPPING=1 first thing on the way down. Outside systemd it does nothing.
import { startNotifier, type Notifier } from "../../systemd/notify";
import type { AgentContext } from "../context";
import type { Module } from "../runtime";

export class NotifierModule implements Module {
  readonly name = "systemd";
  private notifier: Notifier | undefined;

  constructor(private readonly stuck: () => string | null) {}

  start(ctx: AgentContext): void {
    this.notifier = startNotifier(this.stuck, ctx.logger("systemd"));
    this.notifier.ready(`node ${ctx.config.values.node.name} running`);
  }

  stop(): void {
    this.notifier?.stop();
  }

  health(): null {
    return null;
  }
}
