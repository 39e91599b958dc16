// A module's work loop: runs its work when woken, and at least every `everyMs`, one run at a time (wake-ups during
// a run collapse into one more run). It is stuck when a run has taken longer than `limitMs` (a Docker socket or a
// chain that never answers), or when no run has finished for `everyMs + limitMs` (the loop itself died).
import { messageOf } from "../errors";
import type { AgentContext, AgentEvents } from "./context";
import type { Log } from "./log";
import type { Module } from "./runtime";
import { Wakeup } from "./wakeup";

export type LoopOptions = {
  everyMs: number;
  limitMs: number;
  log: Log;
  run: () => Promise<void>;
  /** Wait this long before the first run (default: run at once). */
  firstRunAfterMs?: number;
  /** Count `everyMs` from each run's start, not its end (a heartbeat keeps its rate however long a run takes). */
  fixedRate?: boolean;
  now?: () => number;
};

export class Loop {
  private readonly wakeup = new Wakeup();
  private stopped = true;
  private done: Promise<void> = Promise.resolve();
  private busySince: number | null = null;
  private lastFinished = 0;

  constructor(private readonly o: LoopOptions) {}

  start(): void {
    this.stopped = false;
    this.lastFinished = this.now();
    this.done = this.loop();
  }

  /** Asks for a run soon (now, or right after the current one). */
  wake(): void {
    this.wakeup.signal();
  }

  /** Stops after the current run, if any, has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeup.signal();
    await this.done;
  }

  health(now = this.now()): string | null {
    if (this.stopped) return null;
    if (this.busySince !== null && now - this.busySince > this.o.limitMs) return `one run has taken ${seconds(now - this.busySince)} s (limit ${seconds(this.o.limitMs)} s)`;
    const idle = now - this.lastFinished;
    if (this.busySince === null && idle > this.o.everyMs + this.o.limitMs) return `no run for ${seconds(idle)} s`;
    return null;
  }

  private async loop(): Promise<void> {
    if (this.o.firstRunAfterMs !== undefined) await this.wakeup.wait(this.o.firstRunAfterMs);
    while (!this.stopped) {
      const started = this.now();
      this.busySince = started;
      try {
        await this.o.run();
      } catch (err) {
        this.o.log(`failed: ${messageOf(err).split("\n")[0]}`);
      }
      this.busySince = null;
      this.lastFinished = this.now();
      if (this.stopped) break;
      await this.wakeup.wait(this.o.fixedRate ? Math.max(0, this.o.everyMs - (this.now() - started)) : this.o.everyMs);
    }
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** How a LoopModule's loop runs: its work, how often, and which bus signals wake it. */
export type LoopSpec = Pick<LoopOptions, "everyMs" | "firstRunAfterMs" | "fixedRate" | "run"> & { wakeOn?: Array<keyof AgentEvents> };

/**
 * A module whose work is one Loop: it runs on the bus signals it names and at least every `everyMs`, and is stuck
 * when a run outlasts [service] stuck_after_ms. Subclasses say what the loop does in `loop(ctx)`.
 */
export abstract class LoopModule implements Module {
  abstract readonly name: string;
  private worker: Loop | undefined;

  protected abstract loop(ctx: AgentContext): LoopSpec;

  start(ctx: AgentContext): void | Promise<void> {
    const spec = this.loop(ctx);
    this.worker = new Loop({ ...spec, limitMs: ctx.config.values.service.stuck_after_ms, log: ctx.logger(this.name) });
    for (const signal of spec.wakeOn ?? []) ctx.bus.on(signal, () => this.worker!.wake());
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker?.stop();
  }

  health(now: number): string | null {
    return this.worker?.health(now) ?? null;
  }

  /** Asks for a run soon. */
  protected wake(): void {
    this.worker?.wake();
  }
}
