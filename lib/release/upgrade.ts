// `edge-agent upgrade`: replace the installed binary atomically, restart the service through systemd, and put the
// old binary back (and restart again) if the new one does not report healthy before the deadline.
import { chmodSync, copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { connectDaemon } from "../api/client";
import { downloadVerified } from "./source";

export const SERVICE = "edge-agent.service";

export type UpgradeResult = { outcome: "current" | "upgraded" | "rolled-back"; version: string; binary: string; sha256: string; reason?: string };

function systemctl(...args: string[]): { ok: boolean; out: string } {
  const p = Bun.spawnSync(["systemctl", ...args], { stdout: "pipe", stderr: "pipe" });
  return { ok: p.exitCode === 0, out: (p.stdout.toString() + p.stderr.toString()).trim() };
}

/** Healthy: systemd has the service active (Type=notify: it sent READY=1) and its daemon answers on the control socket. */
async function healthy(config: LoadedConfig): Promise<boolean> {
  if (systemctl("is-active", "--quiet", SERVICE).ok === false) return false;
  const daemon = await connectDaemon(config).catch(() => null);
  if (!daemon) return false;
  const status = await daemon.get<{ pid: number }>("/v1/status").catch(() => null);
  return status !== null && String(status.pid) === systemctl("show", "-p", "MainPID", "--value", SERVICE).out;
}

async function waitHealthy(config: LoadedConfig, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await healthy(config)) return true;
    await Bun.sleep(500);
  }
  return false;
}

function sha256Of(path: string): string {
  return new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");
}

export async function upgrade(o: { config: LoadedConfig; base: string; version: string; binary: string; deadlineMs: number; log: (line: string) => void }): Promise<UpgradeResult> {
  const { binary, version } = o;
  if (!existsSync(binary)) throw new UserError(`${binary} does not exist: install edge-agent with install.sh first`);
  const { bytes, sha256 } = await downloadVerified(o.base, version);
  if (sha256Of(binary) === sha256) return { outcome: "current", version, binary, sha256 };

  // Same directory, so both renames are atomic: the service never sees half a binary.
  const fresh = `${binary}.new`;
  const backup = `${binary}.old`;
  writeFileSync(fresh, bytes, { mode: 0o755 });
  chmodSync(fresh, 0o755);
  copyFileSync(binary, backup);
  renameSync(fresh, binary);
  o.log(`installed ${version} at ${binary} (previous binary kept as ${backup})`);

  const managed = systemctl("cat", SERVICE).ok;
  if (!managed) return { outcome: "upgraded", version, binary, sha256, reason: `${SERVICE} is not installed: restart the agent yourself` };
  systemctl("restart", SERVICE);
  if (await waitHealthy(o.config, o.deadlineMs)) {
    o.log(`${SERVICE} restarted and healthy`);
    return { outcome: "upgraded", version, binary, sha256 };
  }
  renameSync(backup, binary);
  systemctl("restart", SERVICE);
  const back = await waitHealthy(o.config, o.deadlineMs);
  const reason = `${version} did not report healthy within ${Math.round(o.deadlineMs / 1000)} s; restored the previous binary${back ? "" : " (which is not healthy either: journalctl -u edge-agent)"}`;
  return { outcome: "rolled-back", version, binary, sha256: sha256Of(binary), reason };
}
