// A level-triggered wake-up: any number of signals while the loop works collapse into one more pass.
export class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  signal(): void {
    this.pending = true;
    this.resolve?.();
  }

  /** Resolves on the next signal (or at once if one came meanwhile), or after `ms`. */
  async wait(ms: number): Promise<void> {
    if (!this.pending) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.resolve = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.resolve = undefined;
    }
    this.pending = false;
  }
}
