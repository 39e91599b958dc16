// Verified headers and the Clique snapshot after each, in bun:sqlite (WAL), so a restarted agent continues from its
// verified head instead of re-syncing from genesis. Only the last KEEP headers are kept (enough for reads at recent
// blocks and for Clique reorganisations, which are a few blocks deep) and the genesis header; the hash of every
// ANCHOR_EVERY-th header is kept for good, so an older header can be verified later by its hash links to an anchor.
import type { Database } from "bun:sqlite";
import { openDatabase } from "../store/database";
import { createBlockHeaderFromRLP, type BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { bytesToHex } from "@ethereumjs/util";
import type { Snapshot } from "./clique";

const KEEP = 4096;
export const ANCHOR_EVERY = 1024n;

// IF NOT EXISTS: files written before migrations were numbered have these tables at user_version 0.
const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS header (number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, rlp BLOB NOT NULL, snapshot TEXT NOT NULL, td TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS anchor (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export type VerifiedHeader = { header: BlockHeader; snapshot: Snapshot; td: bigint };

export class HeaderStore {
  private readonly db: Database;

  constructor(path: string, private readonly common: Common, genesisHash: string, private readonly keep = KEEP) {
    this.db = openDatabase(path, MIGRATIONS);
    // Headers verified from another genesis (the node moved to another cluster) are worthless here.
    const root = (this.db.query("SELECT value FROM meta WHERE key = 'genesis'").get() as { value: string } | null)?.value;
    if (root !== genesisHash) {
      this.db.transaction(() => {
        this.db.run("DELETE FROM header");
        this.db.run("DELETE FROM anchor");
        this.db.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('genesis', ?)", [genesisHash]);
      })();
    }
  }

  head(): VerifiedHeader | undefined {
    return this.row(this.db.query("SELECT rlp, snapshot, td FROM header ORDER BY number DESC LIMIT 1").get());
  }

  byNumber(number: bigint): VerifiedHeader | undefined {
    return this.row(this.db.query("SELECT rlp, snapshot, td FROM header WHERE number = ?").get(number));
  }

  byHash(hash: string): VerifiedHeader | undefined {
    return this.row(this.db.query("SELECT rlp, snapshot, td FROM header WHERE hash = ?").get(hash.toLowerCase()));
  }

  /**
   * Stores verified headers in one transaction. Another process on this data dir (the daemon and a CLI command) may
   * store the same headers: rows are replaced by number, never dropped, except above `forkedAfter` when the chain
   * reorganised and the old branch above the fork point must go.
   */
  append(headers: VerifiedHeader[], forkedAfter?: bigint): void {
    if (headers.length === 0) return;
    const insert = this.db.prepare("INSERT OR REPLACE INTO header (number, hash, rlp, snapshot, td) VALUES (?, ?, ?, ?, ?)");
    const anchor = this.db.prepare("INSERT OR REPLACE INTO anchor (number, hash) VALUES (?, ?)");
    this.db.transaction(() => {
      if (forkedAfter !== undefined) {
        this.db.run("DELETE FROM header WHERE number > ?", [forkedAfter]);
        this.db.run("DELETE FROM anchor WHERE number > ?", [forkedAfter]);
      }
      for (const { header, snapshot, td } of headers) {
        const hash = bytesToHex(header.hash());
        insert.run(header.number, hash, header.serialize(), JSON.stringify(snapshot), td.toString());
        if (header.number % ANCHOR_EVERY === 0n) anchor.run(header.number, hash);
      }
      this.db.run("DELETE FROM header WHERE number > 0 AND number <= ?", [headers.at(-1)!.header.number - BigInt(this.keep)]); // genesis stays
    })();
  }

  /** The verified hash of block `number` (a multiple of ANCHOR_EVERY), kept after its header is pruned. */
  anchor(number: bigint): string | undefined {
    return (this.db.query("SELECT hash FROM anchor WHERE number = ?").get(number) as { hash: string } | null)?.hash;
  }

  close(): void {
    this.db.close();
  }

  private row(r: unknown): VerifiedHeader | undefined {
    if (!r) return undefined;
    const { rlp, snapshot, td } = r as { rlp: Uint8Array; snapshot: string; td: string };
    return { header: createBlockHeaderFromRLP(new Uint8Array(rlp), { common: this.common, setHardfork: false }), snapshot: JSON.parse(snapshot) as Snapshot, td: BigInt(td) };
  }
}
