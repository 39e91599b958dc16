// Per-connection limits of the embedded broker: a token bucket on publishes, and a byte budget on the socket
// that cuts off a client streaming a huge packet before the MQTT parser has buffered all of it.
import type { Socket } from "node:net";

export type Limits = { maxPayloadBytes: number; maxMessagesPerSecond: number };

export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly rate: number,
    private readonly burst = rate * 2,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Destroys the socket when it receives more bytes per second than its publish budget can explain. */
export function guardSocket(socket: Socket, limits: Limits): void {
  const budget = (limits.maxPayloadBytes + 1024) * limits.maxMessagesPerSecond * 2;
  let tokens = budget;
  let last = performance.now();
  socket.on("data", (chunk: Buffer) => {
    const now = performance.now();
    tokens = Math.min(budget, tokens + ((now - last) / 1000) * budget) - chunk.length;
    last = now;
    if (tokens < 0) socket.destroy();
  });
}
