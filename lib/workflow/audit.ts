// The audit trail of migrations, read from chain: who filed, who was designated, who solved, when, how long.
import type { Migration } from "../chain";
import type { ClusterReader } from "../cluster/reader";

export type AuditEntry = Migration & {
  app: string; // name, or the id's prefix for a removed app
  names: { from: string; filer: string; designated: string; solver: string | null };
  filedTime: number; // unix seconds of the filing block
  closedTime: number | null;
  tookSeconds: number | null; // filing → resolution or expiry
  tookBlocks: number | null;
  designatedTimedOut: boolean;
};

export type AuditFilter = { app?: string; node?: string };

export async function readAuditTrail(reader: ClusterReader, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const { provider } = reader;
  const [migrations, members, apps] = await Promise.all([reader.migrations(), reader.devices.nodes(), reader.apps.snapshot()]);
  const nodeName = new Map(members.map((m) => [m.address, m.name]));
  const name = (a: string) => nodeName.get(a) ?? `${a.slice(0, 10)}…`;
  const appName = new Map(apps.map((a) => [a.id, a.name]));
  const times = new Map<number, number>();
  const timeOf = async (block: number) => {
    if (!times.has(block)) times.set(block, (await provider.getBlock(block))?.timestamp ?? 0);
    return times.get(block)!;
  };
  const entries: AuditEntry[] = [];
  for (const m of migrations) {
    const app = appName.get(m.appId) ?? `${m.appId.slice(0, 10)}…`;
    const names = { from: name(m.from), filer: name(m.filer), designated: name(m.designated), solver: m.solver ? name(m.solver) : null };
    if (filter.app && app !== filter.app) continue;
    if (filter.node && ![names.from, names.filer, names.designated, names.solver].includes(filter.node)) continue;
    const filedTime = await timeOf(m.filedAt);
    const closedTime = m.closedAt ? await timeOf(m.closedAt) : null;
    entries.push({
      ...m, app, names, filedTime, closedTime,
      tookSeconds: closedTime === null ? null : closedTime - filedTime,
      tookBlocks: m.closedAt ? m.closedAt - m.filedAt : null,
      designatedTimedOut: m.phase === "expired" || (m.phase === "resolved" && m.solver !== m.designated),
    });
  }
  return entries;
}
