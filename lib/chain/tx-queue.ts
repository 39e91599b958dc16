// One transaction at a time per key: each waits for the previous one to be mined, so nonces never race.
export class TxQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(send: () => Promise<T>): Promise<T> {
    const result = this.tail.then(send, send);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
