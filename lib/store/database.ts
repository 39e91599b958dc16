// The one way this agent opens a SQLite file (bun:sqlite): WAL, a busy timeout so the daemon and a CLI command can
// share the file, owner-only permissions, and schema migrations numbered by PRAGMA user_version, each applied once
// in its own transaction. A migration list only ever grows: migration i takes a file from version i to i + 1.
import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export type Migration = string | ((db: Database) => void);

export function openDatabase(path: string, migrations: readonly Migration[], opts: { readonly?: boolean } = {}): Database {
  if (opts.readonly) {
    const db = new Database(path, { readonly: true, strict: true });
    db.run("PRAGMA busy_timeout = 5000");
    return db;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fresh = !existsSync(path);
  const db = new Database(path, { create: true, strict: true });
  if (fresh) chmodSync(path, 0o600);
  db.run("PRAGMA busy_timeout = 5000");
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = NORMAL");
  try {
    migrate(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Applies the migrations past the file's user_version; a file newer than this build is refused, never downgraded. */
export function migrate(db: Database, migrations: readonly Migration[]): void {
  const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version > migrations.length) throw new Error(`${db.filename} has schema version ${version}, newer than this agent's ${migrations.length}: upgrade the agent`);
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      const step = migrations[v]!;
      if (typeof step === "string") db.run(step);
      else step(db);
      db.run(`PRAGMA user_version = ${v + 1}`);
    })();
  }
}
