// What the proxy needs from a broker, the embedded one (broker.ts) or the site's own (bridge.ts).
export type MessageHandler = (topic: string, payload: Buffer) => void;

export type Transport = {
  /** Where devices connect (host:port or URL), for logs and `status`. */
  readonly address: string;
  subscribe(filter: string, handler: MessageHandler): Promise<void>;
  publish(topic: string, payload: string, opts?: { retain?: boolean }): Promise<void>;
  /** Drops every connection of a device (its credentials were revoked). No-op where the agent is not the broker. */
  disconnectDevice(id: string): void;
  stop(): Promise<void>;
};
