// Plain JSON-RPC over HTTP to one endpoint, single calls and batches, with a timeout. No verification here.
export type RpcCall = { method: string; params: unknown[] };
export type RpcReply = { result?: unknown; error?: { code: number; message: string; data?: unknown } };

/** A JSON-RPC error the endpoint answered with (a revert, an unknown block): not a transport failure. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
  }
}

/** The endpoint could not be reached, timed out, or did not speak JSON-RPC. */
export class TransportError extends Error {}

export async function rpcBatch(url: string, calls: RpcCall[], timeoutMs: number): Promise<RpcReply[]> {
  let body: Array<RpcReply & { id: number }>;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(calls.map((c, id) => ({ jsonrpc: "2.0", id, method: c.method, params: c.params }))),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as Array<RpcReply & { id: number }>;
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new TransportError(timedOut ? `no answer within ${timeoutMs} ms` : (err as Error).message);
  }
  if (!Array.isArray(body)) throw new TransportError("not a JSON-RPC batch answer");
  const byId = new Map(body.map((r) => [r.id, r]));
  return calls.map((_, id) => byId.get(id) ?? { error: { code: -32603, message: "missing from the batch answer" } });
}

export async function rpcCall(url: string, method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
  const [reply] = await rpcBatch(url, [{ method, params }], timeoutMs);
  if (reply!.error) throw new RpcError(reply!.error.code, reply!.error.message, reply!.error.data);
  return reply!.result;
}

/** Results of a batch, or the first error in it. */
export async function rpcResults(url: string, calls: RpcCall[], timeoutMs: number): Promise<unknown[]> {
  const replies = await rpcBatch(url, calls, timeoutMs);
  return replies.map((r) => {
    if (r.error) throw new RpcError(r.error.code, r.error.message, r.error.data);
    return r.result;
  });
}
