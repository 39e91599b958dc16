// The daemon's health rule, in one place: each loop reports progress with beat(); the daemon is stuck when a
// loop has made none for longer than its limit. The systemd watchdog pings only while nothing is stuck.
export class LoopHealth {
  private readonly last = new Map<string, number>();
  private readonly limits = new Map<string, number>();

  /** Starts watching a loop: it must beat at least every `limitMs`. */
  watch(loop: string, limitMs: number, now = Date.now()): void {
    this.limits.set(loop, limitMs);
    this.last.set(loop, now);
  }

  beat(loop: string, now = Date.now()): void {
    this.last.set(loop, now);
  }

  /** Null while every watched loop beat within its limit, else which one is stuck and for how long. */
  stuck(now = Date.now()): string | null {
    for (const [loop, limit] of this.limits) {
      const idle = now - (this.last.get(loop) ?? now);
      if (idle > limit) return `${loop} loop made no progress for ${Math.round(idle / 1000)} s (limit ${Math.round(limit / 1000)} s)`;
    }
    return null;
  }
}
