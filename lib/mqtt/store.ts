// The proxy's local database (DATA/mqtt.db, bun:sqlite, WAL): device twins; the last device directory read from chain
// (so a restarted agent serves known devices while the chain is down); and the telemetry batches whose Merkle roots
// went on chain, with their messages, so a proof can be produced for a relayed message within the retention.
import type { Database } from "bun:sqlite";
import { openDatabase } from "../store/database";
import type { DeviceRecord } from "../chain";
import type { Twin } from "./twin";

// IF NOT EXISTS: files written before migrations were numbered have these tables at user_version 0.
const MIGRATIONS = [`
  CREATE TABLE IF NOT EXISTS twin (device TEXT PRIMARY KEY, desired TEXT NOT NULL, desired_version INTEGER NOT NULL,
    reported TEXT NOT NULL, reported_at TEXT);
  CREATE TABLE IF NOT EXISTS batch (id INTEGER PRIMARY KEY AUTOINCREMENT, device TEXT NOT NULL, root TEXT NOT NULL,
    messages INTEGER NOT NULL, block INTEGER NOT NULL, tx TEXT NOT NULL, closed_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS message (seq INTEGER PRIMARY KEY AUTOINCREMENT, batch INTEGER NOT NULL, idx INTEGER NOT NULL,
    topic TEXT NOT NULL, ts INTEGER NOT NULL, payload BLOB NOT NULL, leaf TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS directory (id TEXT PRIMARY KEY, record TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS batch_closed ON batch (closed_at);
  CREATE INDEX IF NOT EXISTS message_leaf ON message (leaf);
  CREATE INDEX IF NOT EXISTS message_batch ON message (batch, idx);`];

export type StoredMessage = { seq: number; batch: number; idx: number; topic: string; ts: number; payload: Buffer; leaf: string };
export type StoredBatch = { id: number; device: string; root: string; messages: number; block: number; tx: string };
export type RelayedMessage = { topic: string; ts: number; payload: Buffer; leaf: string };

export class MqttStore {
  private readonly db: Database;

  constructor(path: string, opts: { readonly?: boolean } = {}) {
    this.db = openDatabase(path, MIGRATIONS, opts);
  }

  twin(device: string): Twin | null {
    const r = this.db.query("SELECT * FROM twin WHERE device = ?").get(device) as { device: string; desired: string; desired_version: number; reported: string; reported_at: string | null } | null;
    return r && { device: r.device, desired: JSON.parse(r.desired), desiredVersion: r.desired_version, reported: JSON.parse(r.reported), reportedAt: r.reported_at };
  }

  twins(): Twin[] {
    const ids = this.db.query("SELECT device FROM twin ORDER BY device").all() as Array<{ device: string }>;
    return ids.map((r) => this.twin(r.device)!);
  }

  saveTwin(t: Twin): void {
    this.db.run("INSERT OR REPLACE INTO twin (device, desired, desired_version, reported, reported_at) VALUES (?, ?, ?, ?, ?)",
      [t.device, JSON.stringify(t.desired), t.desiredVersion, JSON.stringify(t.reported), t.reportedAt]);
  }

  removeTwin(device: string): void {
    this.db.run("DELETE FROM twin WHERE device = ?", [device]);
  }

  /** The device directory as last read from chain (ids, credential salts and hashes, owners, desired twins). */
  directory(): DeviceRecord[] {
    return (this.db.query("SELECT record FROM directory ORDER BY id").all() as Array<{ record: string }>).map((r) => JSON.parse(r.record));
  }

  /** Replaces the cached directory in one transaction. */
  saveDirectory(all: DeviceRecord[]): void {
    this.db.transaction(() => {
      this.db.run("DELETE FROM directory");
      const insert = this.db.prepare("INSERT INTO directory (id, record) VALUES (?, ?)");
      for (const d of all) insert.run(d.id, JSON.stringify(d));
    })();
  }

  /**
   * Deletes batches closed before `before` with their messages. Every stored batch is mined (it is saved only after
   * its recordRoots receipt); a proof needs all of its batch's messages, so batches go whole. Returns how many.
   */
  pruneBatches(before: Date): number {
    return this.db.transaction(() => {
      const cutoff = before.toISOString();
      this.db.run("DELETE FROM message WHERE batch IN (SELECT id FROM batch WHERE closed_at < ?)", [cutoff]);
      return this.db.run("DELETE FROM batch WHERE closed_at < ?", [cutoff]).changes;
    })();
  }

  /** Stores one closed batch and its messages in one transaction. */
  saveBatch(b: Omit<StoredBatch, "id">, messages: RelayedMessage[]): void {
    this.db.transaction(() => {
      const { id } = this.db.query("INSERT INTO batch (device, root, messages, block, tx, closed_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id")
        .get(b.device, b.root, b.messages, b.block, b.tx, new Date().toISOString()) as { id: number };
      const insert = this.db.prepare("INSERT INTO message (batch, idx, topic, ts, payload, leaf) VALUES (?, ?, ?, ?, ?, ?)");
      messages.forEach((m, i) => insert.run(id, i, m.topic, m.ts, m.payload, m.leaf));
    })();
  }

  batch(id: number): StoredBatch | null {
    return this.db.query("SELECT id, device, root, messages, block, tx FROM batch WHERE id = ?").get(id) as StoredBatch | null;
  }

  batchMessages(batch: number): StoredMessage[] {
    return (this.db.query("SELECT * FROM message WHERE batch = ? ORDER BY idx").all(batch) as StoredMessage[]).map(withBuffer);
  }

  /** A batched message of the device: by sequence number, or the latest. */
  message(device: string, seq?: number): StoredMessage | null {
    const sql = "SELECT m.* FROM message m JOIN batch b ON b.id = m.batch WHERE b.device = ?" + (seq === undefined ? " ORDER BY m.seq DESC LIMIT 1" : " AND m.seq = ?");
    const r = this.db.query(sql).get(...(seq === undefined ? [device] : [device, seq])) as StoredMessage | null;
    return r && withBuffer(r);
  }

  messageByLeaf(device: string, leaf: string): StoredMessage | null {
    const r = this.db.query("SELECT m.* FROM message m JOIN batch b ON b.id = m.batch WHERE b.device = ? AND m.leaf = ?").get(device, leaf) as StoredMessage | null;
    return r && withBuffer(r);
  }

  close(): void {
    this.db.close();
  }
}

const withBuffer = (m: StoredMessage): StoredMessage => ({ ...m, payload: Buffer.from(m.payload) });
