// Turns dockerode errors into one readable line, and names the failures a replica's status reports.
import type { DesiredReplica } from "../apps/types";

/** The engine's own message without dockerode's "(HTTP code 500) server error - " prefix, on one line. */
export function engineMessage(err: unknown): string {
  const fromJson = (err as { json?: { message?: unknown } } | null)?.json?.message;
  const raw = typeof fromJson === "string" ? fromJson : err instanceof Error ? err.message : String(err);
  const line = raw.replace(/^\(HTTP code \d+\)[^-]*- /, "").replace(/\s+/g, " ").trim();
  return line === "" ? "unknown error from the Docker engine" : line;
}

export function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

export function pullFailure(image: string, err: unknown): string {
  return `image ${image} not found locally and could not be pulled: ${engineMessage(err)}`;
}

export function createFailure(replica: DesiredReplica, name: string, err: unknown): string {
  const message = engineMessage(err);
  if (statusCodeOf(err) === 409) return `container name ${name} is already taken by a container this node does not manage`;
  if (/no such image/i.test(message)) return `image ${replica.spec.image} not found locally`;
  return `create failed: ${message}`;
}

export function startFailure(replica: DesiredReplica, err: unknown): string {
  const message = engineMessage(err);
  if (/port is already allocated|address already in use/i.test(message)) {
    const hostPort = /((?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-f:]*\]|::):(\d+)/i.exec(message);
    const which = hostPort ? `${hostPort[1]}:${hostPort[2]}` : replica.spec.ports.map((p) => `${p.host}/${p.protocol}`).join(", ");
    return `host port ${which} is already in use`;
  }
  return `start failed: ${message}`;
}
