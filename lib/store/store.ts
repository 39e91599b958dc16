// The node's local database, DATA/agent.db: the cluster this node belongs to (written by `cluster create` and
// `join`; config.toml stays the operator's file), this node's desired replicas (persisted before they are acted on:
// what lets an agent restarted offline bring its replicas back), and the daemon's cursors.
import type { Database } from "bun:sqlite";
import type { AppSpec, DesiredReplica } from "../apps/types";
import { openDatabase, type Migration } from "./database";

const MIGRATIONS: Migration[] = [
  `CREATE TABLE desired_replica (
     app_id TEXT NOT NULL, replica INTEGER NOT NULL, app TEXT NOT NULL, version INTEGER NOT NULL, spec TEXT NOT NULL,
     PRIMARY KEY (app_id, replica));
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export class Store {
  private readonly db: Database;

  constructor(readonly path: string) {
    this.db = openDatabase(path, MIGRATIONS);
  }

  /** Replaces the whole desired set atomically; returns true if it changed. */
  replaceDesired(replicas: DesiredReplica[]): boolean {
    const before = JSON.stringify(this.desired());
    this.db.transaction(() => {
      this.db.run("DELETE FROM desired_replica");
      const insert = this.db.prepare("INSERT INTO desired_replica (app_id, replica, app, version, spec) VALUES (?, ?, ?, ?, ?)");
      for (const r of replicas) insert.run(r.appId, r.replica, r.app, r.version, JSON.stringify(r.spec));
    })();
    return JSON.stringify(this.desired()) !== before;
  }

  desired(): DesiredReplica[] {
    const rows = this.db.query("SELECT app_id, replica, app, version, spec FROM desired_replica ORDER BY app, replica").all() as Array<{
      app_id: string; replica: number; app: string; version: number; spec: string;
    }>;
    return rows.map((r) => ({ appId: r.app_id, replica: r.replica, app: r.app, version: r.version, spec: JSON.parse(r.spec) as AppSpec }));
  }

  getMeta(key: string): string | undefined {
    return (this.db.query("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | null)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value]);
  }

  deleteMeta(key: string): void {
    this.db.run("DELETE FROM meta WHERE key = ?", [key]);
  }

  /** Forgets everything about a cluster (a node given a new identity by `init --force`). */
  reset(): void {
    this.db.transaction(() => {
      this.db.run("DELETE FROM desired_replica");
      this.db.run("DELETE FROM meta");
    })();
  }

  /** Periodic upkeep: fold the WAL back into the database file and refresh the query planner's statistics. */
  maintain(): void {
    this.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    this.db.run("PRAGMA optimize");
  }

  close(): void {
    this.db.close();
  }
}

export const agentDbPath = (dataDir: string) => `${dataDir}/agent.db`;
