// SQLite files through openDatabase: numbered migrations applied once each, in a transaction; files from before
// numbering upgrade in place; a file newer than the agent is refused, never downgraded; owner-only permissions.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { MqttStore } from "../../lib/mqtt/store";
import { openDatabase } from "../../lib/store/database";
import { Store } from "../../lib/store/store";
import { removeTempDirs, tempDir } from "../support/cli";

afterAll(removeTempDirs);

const version = (db: Database) => (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;

describe("openDatabase", () => {
  test("a fresh file gets every migration, owner-only, in WAL mode", () => {
    const path = join(tempDir(), "a.db");
    const db = openDatabase(path, ["CREATE TABLE t (x INTEGER)", "ALTER TABLE t ADD COLUMN y TEXT"]);
    expect(version(db)).toBe(2);
    db.run("INSERT INTO t (x, y) VALUES (1, 'a')");
    expect((db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    db.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test("only the migrations past the file's version run, and a new one runs once", () => {
    const path = join(tempDir(), "b.db");
    const calls: number[] = [];
    const m1 = (d: Database) => (calls.push(1), d.run("CREATE TABLE t (x INTEGER)"));
    const m2 = (d: Database) => (calls.push(2), d.run("CREATE TABLE u (x INTEGER)"));
    openDatabase(path, [m1]).close();
    openDatabase(path, [m1]).close();
    const db = openDatabase(path, [m1, m2]);
    expect(calls).toEqual([1, 2]);
    expect(version(db)).toBe(2);
    db.close();
  });

  test("a migration that fails leaves the file at its version, with nothing of it applied", () => {
    const path = join(tempDir(), "c.db");
    openDatabase(path, ["CREATE TABLE t (x INTEGER)"]).close();
    const broken = (d: Database) => {
      d.run("CREATE TABLE half (x INTEGER)");
      throw new Error("disk full");
    };
    expect(() => openDatabase(path, ["CREATE TABLE t (x INTEGER)", broken])).toThrow("disk full");
    const db = new Database(path);
    expect(version(db)).toBe(1);
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeNull();
    db.close();
  });

  test("a file from a newer agent is refused", () => {
    const path = join(tempDir(), "d.db");
    openDatabase(path, ["CREATE TABLE t (x INTEGER)", "CREATE TABLE u (x INTEGER)"]).close();
    expect(() => openDatabase(path, ["CREATE TABLE t (x INTEGER)"])).toThrow(/schema version 2, newer than this agent's 1/);
  });
});

describe("the agent's files", () => {
  test("an mqtt.db written before migrations were numbered (tables at version 0) opens and keeps its rows", () => {
    const path = join(tempDir(), "mqtt.db");
    const old = new Database(path, { create: true });
    old.run("CREATE TABLE twin (device TEXT PRIMARY KEY, desired TEXT NOT NULL, desired_version INTEGER NOT NULL, reported TEXT NOT NULL, reported_at TEXT)");
    old.run(`INSERT INTO twin VALUES ('sensor-1', '{"led":"on"}', 3, '{}', NULL)`);
    old.close();
    const store = new MqttStore(path);
    expect(store.twin("sensor-1")).toMatchObject({ device: "sensor-1", desired: { led: "on" }, desiredVersion: 3 });
    store.close();
    const db = new Database(path);
    expect(version(db)).toBe(1);
    db.close();
  });

  test("agent.db keeps desired replicas and metadata across opens; reset forgets the cluster", () => {
    const path = join(tempDir(), "agent.db");
    const spec = { image: "i", replicas: 1, ports: [], env: {}, cpuMilli: 0, memoryMB: 0, selector: {}, spread: false, everyNode: false, pin: null };
    const a = new Store(path);
    expect(a.replaceDesired([{ appId: "0x1", app: "web", replica: 0, version: 2, spec }])).toBe(true);
    expect(a.replaceDesired([{ appId: "0x1", app: "web", replica: 0, version: 2, spec }])).toBe(false);
    a.setMeta("membership", "{}");
    a.close();
    const b = new Store(path);
    expect(b.desired().map((d) => `${d.app}#${d.replica}@${d.version}`)).toEqual(["web#0@2"]);
    expect(b.getMeta("membership")).toBe("{}");
    b.reset();
    expect(b.desired()).toEqual([]);
    expect(b.getMeta("membership")).toBeUndefined();
    b.close();
  });
});
