// The daemon's one ClusterClient: one provider and one transaction queue for the node key, however many modules ask
// for it at once. The open is shared while it is under way (two callers in one tick get the same client, not two
// queues racing for nonces) and retried on the next call after it failed (the chain may come up later).
import type { ClusterClient } from "../cluster/client";

export class ChainHandle {
  private opening: Promise<ClusterClient> | undefined;
  private client: ClusterClient | undefined;
  private closed = false;

  constructor(private readonly open: () => Promise<ClusterClient>) {}

  /** The client, opening it if no open is under way or done. */
  get(): Promise<ClusterClient> {
    if (this.closed) return Promise.reject(new Error("the agent is stopping"));
    this.opening ??= this.open().then(
      (client) => {
        if (this.closed) client.destroy();
        return (this.client = client);
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  /** The client if it is open already (no chain call). */
  ready(): ClusterClient | undefined {
    return this.client;
  }

  close(): void {
    this.closed = true;
    this.client?.destroy();
  }
}
