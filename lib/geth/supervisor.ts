// Keeps the local geth running: starts it, appends its output to geth.log in its datadir, restarts it with backoff
// (1 s doubling to 30 s; back to 1 s once it has run for a minute) if it dies, and stops it on request.
import { closeSync, openSync } from "node:fs";
import { gethArgs, ipcPath, logPath, type GethOptions } from "./node";
import { geth } from "./ipc";

export type SupervisorEvents = {
  /** geth answers on IPC again (after the first start and after each restart): re-add peers here. */
  onReady?: () => Promise<void> | void;
  onExit?: (code: number | null, restartInMs: number) => void;
  /** Every geth process started (tests use it to kill geth when they exit). */
  onSpawn?: (pid: number) => void;
};

export class GethSupervisor {
  private proc: ReturnType<typeof Bun.spawn> | undefined;
  private stopping = false;
  private backoffMs = 1000;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  readonly ipc: string;
  readonly log: string;
  restarts = 0;

  constructor(
    private readonly options: GethOptions,
    private readonly events: SupervisorEvents = {},
  ) {
    this.ipc = ipcPath(options.datadir);
    this.log = logPath(options.datadir);
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts geth and resolves once it answers on IPC. */
  async start(readyTimeoutMs = 60_000): Promise<void> {
    this.stopping = false;
    this.spawn();
    try {
      await this.waitReady(readyTimeoutMs);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private spawn(): void {
    const fd = openSync(this.log, "a", 0o600);
    const proc = Bun.spawn([this.options.bin, ...gethArgs(this.options)], { stdin: "ignore", stdout: fd, stderr: fd });
    closeSync(fd);
    this.proc = proc;
    this.events.onSpawn?.(proc.pid);
    const startedAt = Date.now();
    void proc.exited.then((code) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      if (this.stopping) return;
      if (Date.now() - startedAt > 60_000) this.backoffMs = 1000;
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
      this.events.onExit?.(code, delay);
      this.restartTimer = setTimeout(() => {
        if (this.stopping) return;
        this.restarts++;
        this.spawn();
        void this.waitReady(60_000).catch(() => {}); // calls onReady; a geth that dies again is restarted again
      }, delay);
    });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const proc = this.proc;
      if (!proc) throw new Error(`geth exited during start (see ${this.log})`);
      try {
        await geth.blockNumber(this.ipc);
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`geth did not answer on ${this.ipc} within ${timeoutMs} ms (see ${this.log})`);
        await Bun.sleep(200);
      }
    }
    await this.events.onReady?.();
  }

  /** SIGTERM (geth flushes its database), SIGKILL after `graceMs`. No restart afterwards. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (!proc) return;
    proc.kill("SIGTERM");
    const killer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    await proc.exited;
    clearTimeout(killer);
    this.proc = undefined;
  }
}
