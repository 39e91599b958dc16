// The proxy's SQLite store on a real file: the cached device directory, and pruning telemetry batches past the
// retention while the proofs of the batches kept still verify.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { DeviceRecord } from "../../lib/chain";
import { MqttStore } from "../../lib/mqtt/store";
import { leafOf, proofHolds, proveStored } from "../../lib/mqtt/telemetry";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { removeTempDirs, tempDir } from "../support/cli";

afterAll(() => removeTempDirs());

const record = (id: string): DeviceRecord => ({ id, node: "0x01", type: "t", labels: { room: "lab" }, credentialSalt: "0x00", credentialHash: "0x11", desired: { led: "on" }, desiredVersion: 2, addedAt: 1 });

function saveBatch(store: MqttStore, device: string, payloads: string[]): void {
  const messages = payloads.map((p, i) => ({ topic: `devices/${device}/telemetry`, ts: 1000 + i, payload: Buffer.from(p), leaf: leafOf(device, `devices/${device}/telemetry`, 1000 + i, Buffer.from(p)) }));
  const tree = StandardMerkleTree.of(messages.map((m) => [device, m.topic, BigInt(m.ts), m.payload]), ["string", "string", "uint64", "bytes"], { sortLeaves: false });
  store.saveBatch({ device, root: tree.root, messages: messages.length, block: 7, tx: "0xabc" }, messages);
}

test("the device directory cache survives reopening and is replaced whole", () => {
  const path = join(tempDir(), "mqtt.db");
  const store = new MqttStore(path);
  store.saveDirectory([record("a"), record("b")]);
  store.close();
  const again = new MqttStore(path);
  expect(again.directory()).toEqual([record("a"), record("b")]);
  again.saveDirectory([record("b")]);
  expect(again.directory().map((d) => d.id)).toEqual(["b"]);
  again.close();
});

test("pruning drops whole batches closed before the cutoff with their messages; kept batches still prove", () => {
  const path = join(tempDir(), "mqtt.db");
  const store = new MqttStore(path);
  saveBatch(store, "old", ["1", "2", "3"]);
  saveBatch(store, "new", ["4", "5"]);
  // Back-date the first batch by a day, as if it had closed then.
  const raw = new Database(path);
  raw.run("UPDATE batch SET closed_at = ? WHERE device = 'old'", [new Date(Date.now() - 86_400_000).toISOString()]);
  raw.close();

  expect(store.pruneBatches(new Date(Date.now() - 3_600_000))).toBe(1);
  expect(store.message("old")).toBeNull();
  const kept = proveStored(store, "new")!;
  expect(Buffer.from(kept.payload, "base64").toString()).toBe("5");
  expect(proofHolds(kept)).toBe(true);
  const counts = new Database(path, { readonly: true });
  expect(counts.query("SELECT COUNT(*) AS n FROM message").get()).toEqual({ n: 2 });
  counts.close();
  expect(store.pruneBatches(new Date(Date.now() - 3_600_000))).toBe(0);
  store.close();
});
