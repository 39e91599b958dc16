// Where releases come from, for `edge-agent upgrade` (install.sh carries the same default; a test keeps them equal).
import { existsSync, readFileSync } from "node:fs";
import { UserError } from "../errors";

export const DEFAULT_BASE_URL = "https://get.edge-agent.dev/releases";
export const SERVICE_ENV_FILE = "/etc/edge-agent/edge-agent.env";

/** --base-url, else $EDGE_AGENT_BASE_URL, else the one install.sh wrote into the service's env file, else the default. */
export function resolveBaseUrl(flag?: string, env = process.env, envFile = SERVICE_ENV_FILE): string {
  const fromFile = existsSync(envFile) ? readFileSync(envFile, "utf8").match(/^EDGE_AGENT_BASE_URL=(.+)$/m)?.[1]?.trim() : undefined;
  return (flag || env.EDGE_AGENT_BASE_URL || fromFile || DEFAULT_BASE_URL).replace(/\/+$/, "");
}

export function artifactName(arch = process.arch): string {
  if (arch === "arm64") return "edge-agent-linux-arm64";
  if (arch === "x64") return "edge-agent-linux-x64";
  throw new UserError(`no edge-agent build for architecture ${arch}`);
}

async function get(url: string, timeoutMs: number): Promise<Response> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).catch((err) => {
    throw new UserError(`download of ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
  });
  if (!res.ok) throw new UserError(`download of ${url} failed: HTTP ${res.status}`);
  return res;
}

export async function latestVersion(base: string): Promise<string> {
  const version = (await (await get(`${base}/latest`, 30_000)).text()).trim();
  if (!version) throw new UserError(`${base}/latest is empty`);
  return version;
}

/** The binary for this architecture, checked against the release's SHA256SUMS (a mismatch is refused). */
export async function downloadVerified(base: string, version: string, name = artifactName()): Promise<{ bytes: Uint8Array; sha256: string }> {
  const sums = await (await get(`${base}/${version}/SHA256SUMS`, 30_000)).text();
  const expected = sums.split("\n").map((l) => l.trim().split(/\s+\*?/)).find(([, n]) => n === name)?.[0];
  if (!expected) throw new UserError(`${base}/${version}/SHA256SUMS has no line for ${name}`);
  const bytes = new Uint8Array(await (await get(`${base}/${version}/${name}`, 600_000)).arrayBuffer());
  const sha256 = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
  if (sha256 !== expected) throw new UserError(`checksum mismatch for ${name} ${version}: SHA256SUMS says ${expected}, the download is ${sha256}; nothing was replaced`);
  return { bytes, sha256 };
}
