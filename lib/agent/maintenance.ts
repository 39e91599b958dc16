// The daemon's periodic housekeeping, on its own timer (no cron): dangling images, SQLite upkeep, old MQTT telemetry
// batches, and the permissions of the files that hold secrets. Container logs rotate in Docker itself (container-spec LogConfig).
import type Docker from "dockerode";
import { chmodSync, existsSync, statSync } from "node:fs";
import type { LoadedConfig } from "../config";
import { messageOf } from "../errors";
import type { Store } from "../store/store";
import type { Log } from "./log";

export type MaintenanceReport = { imagesRemoved: number; bytesReclaimed: number; permissionsFixed: string[]; telemetryBatchesPruned: number };

/** One round of maintenance; each part runs even when another fails. */
export async function maintain(deps: { docker: Docker; store: Store; config: LoadedConfig; log: Log; mqtt?: { pruneTelemetry(): number } }): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { imagesRemoved: 0, bytesReclaimed: 0, permissionsFixed: [], telemetryBatchesPruned: 0 };
  try {
    // Dangling only: layers no tag points at any more (left by app upgrades). Tagged images stay for fast restarts.
    const pruned = await deps.docker.pruneImages({ filters: { dangling: ["true"] } });
    report.imagesRemoved = pruned.ImagesDeleted?.length ?? 0;
    report.bytesReclaimed = pruned.SpaceReclaimed ?? 0;
  } catch (err) {
    deps.log(`image cleanup failed: ${messageOf(err)}`);
  }
  try {
    deps.store.maintain();
  } catch (err) {
    deps.log(`database maintenance failed: ${messageOf(err)}`);
  }
  try {
    report.telemetryBatchesPruned = deps.mqtt?.pruneTelemetry() ?? 0;
    if (report.telemetryBatchesPruned > 0) deps.log(`maintenance: pruned ${report.telemetryBatchesPruned} telemetry batch(es) past [mqtt] telemetry_retention_ms`);
  } catch (err) {
    deps.log(`telemetry pruning failed: ${messageOf(err)}`);
  }
  report.permissionsFixed = fixSecretPermissions(deps.config, deps.log);
  if (report.imagesRemoved > 0 || report.permissionsFixed.length > 0) {
    deps.log(`maintenance: removed ${report.imagesRemoved} dangling image(s) (${(report.bytesReclaimed / 2 ** 20).toFixed(1)} MiB), fixed permissions of ${report.permissionsFixed.join(", ") || "nothing"}`);
  }
  return report;
}

/** Secret files must be 0600 and the data dir 0700; anything looser is tightened and logged. */
export function fixSecretPermissions(config: LoadedConfig, log: Log): string[] {
  const { keystore, joinKey, passwordFile, dataDir } = config.files;
  const fixed: string[] = [];
  for (const [path, mode] of [[keystore, 0o600], [joinKey, 0o600], [passwordFile, 0o600], [dataDir, 0o700]] as const) {
    if (!existsSync(path)) continue;
    const actual = statSync(path).mode & 0o777;
    if ((actual & ~mode) === 0) continue;
    chmodSync(path, mode);
    log(`${path} was mode ${actual.toString(8)}; set to ${mode.toString(8)}`);
    fixed.push(path);
  }
  return fixed;
}
