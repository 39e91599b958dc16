// Folds the engine's pull progress messages (followProgress hands them over one by one) into one summary line, logged
// at most once per interval.

export type PullMessage = {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
};

type Layer = { current: number; total: number; done: boolean };

const LAYER_STATUSES = /^(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete|Already exists)$/;

export class PullProgress {
  private readonly layers = new Map<string, Layer>();
  private lastLogged = -Infinity;

  constructor(
    private readonly ref: string,
    private readonly log: (line: string) => void,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  update(message: PullMessage): void {
    if (!message.id || !message.status || !LAYER_STATUSES.test(message.status)) return;
    const layer = this.layers.get(message.id) ?? { current: 0, total: 0, done: false };
    if (message.status === "Downloading" && message.progressDetail) {
      layer.current = message.progressDetail.current ?? layer.current;
      layer.total = message.progressDetail.total ?? layer.total;
    }
    if (message.status === "Download complete") layer.current = layer.total;
    if (message.status === "Pull complete" || message.status === "Already exists") layer.done = true;
    this.layers.set(message.id, layer);
    if (this.now() - this.lastLogged >= this.intervalMs) this.logSummary();
  }

  summary(): string {
    const all = [...this.layers.values()];
    const done = all.filter((l) => l.done).length;
    const current = all.reduce((sum, l) => sum + l.current, 0);
    const total = all.reduce((sum, l) => sum + l.total, 0);
    return `pull ${this.ref}: ${done}/${all.length} layers, ${mb(current)}/${mb(total)} MB`;
  }

  private logSummary(): void {
    this.lastLogged = this.now();
    this.log(this.summary());
  }
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
