// The CLI side of the control API: talks to a running daemon over its unix socket, or says there is none.
import { existsSync } from "node:fs";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";

export type DaemonClient = { get<T>(path: string): Promise<T>; send<T>(method: "POST" | "DELETE", path: string, body?: unknown): Promise<T> };

/** A client for the daemon if one answers on this node's socket, else null (callers fall back to the chain). */
export async function connectDaemon(config: LoadedConfig): Promise<DaemonClient | null> {
  const socket = config.files.apiSocket;
  if (!existsSync(socket)) return null;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`http://localhost${path}`, {
      method,
      unix: socket,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    } as RequestInit);
    const json = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new UserError(json.error ?? `daemon answered HTTP ${res.status}`);
    return json;
  };
  try {
    await call("GET", "/v1/status");
  } catch (err) {
    if (err instanceof UserError) throw err;
    return null; // a stale socket file: no daemon behind it
  }
  return { get: (path) => call("GET", path), send: (method, path, body) => call(method, path, body) };
}
