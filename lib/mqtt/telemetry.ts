// Tamper-evident telemetry: the agent collects what it relays per device, and every batch interval closes one
// Merkle tree per device and records all the roots in ONE transaction (DeviceDirectory.recordRoots).
//
// Leaf encoding (OpenZeppelin StandardMerkleTree): values [deviceId, topic, receivedAtMs, payload] with Solidity types
// ["string", "string", "uint64", "bytes"]; leaf = keccak256(bytes.concat(keccak256(abi.encode(values)))); inner
// nodes hash the sorted pair. Anyone can check a proof with the library, or on chain with OpenZeppelin MerkleProof.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { deviceKeyOf, type RootRecord } from "../chain";
import type { MqttStore, RelayedMessage } from "./store";

export const LEAF_ENCODING = ["string", "string", "uint64", "bytes"];
export const MAX_ROOTS_PER_TX = 200;

export type MessageProof = { device: string; seq: number; topic: string; ts: number; payload: string /* base64 */; root: string; proof: string[]; block: number };

const leafValues = (device: string, topic: string, ts: number, payload: Buffer) => [device, topic, BigInt(ts), payload];

export function leafOf(device: string, topic: string, ts: number, payload: Buffer): string {
  return StandardMerkleTree.of([leafValues(device, topic, ts, payload)], LEAF_ENCODING).leafHash(leafValues(device, topic, ts, payload));
}

export class TelemetryBatcher {
  private pending = new Map<string, RelayedMessage[]>();
  private flushing = false;

  constructor(
    private readonly store: MqttStore,
    private readonly record: (roots: RootRecord[]) => Promise<{ block: number; tx: string }>,
    private readonly log: (line: string) => void,
  ) {}

  add(device: string, topic: string, payload: Buffer): void {
    const ts = Date.now();
    const list = this.pending.get(device) ?? [];
    list.push({ topic, ts, payload, leaf: leafOf(device, topic, ts, payload) });
    this.pending.set(device, list);
  }

  pendingCount(): number {
    let n = 0;
    for (const l of this.pending.values()) n += l.length;
    return n;
  }

  /** Closes the current batches: one transaction for every device's root. On failure they are kept for the next try. */
  async flush(): Promise<number> {
    if (this.flushing || this.pending.size === 0) return 0;
    this.flushing = true;
    const closing = this.pending;
    this.pending = new Map();
    try {
      const trees = [...closing].map(([device, messages]) => ({ device, messages, tree: StandardMerkleTree.of(messages.map((m) => leafValues(device, m.topic, m.ts, m.payload)), LEAF_ENCODING, { sortLeaves: false }) }));
      // One transaction per interval, split only when a block could not hold every root (~30 k gas each).
      for (let i = 0; i < trees.length; i += MAX_ROOTS_PER_TX) {
        const chunk = trees.slice(i, i + MAX_ROOTS_PER_TX);
        const { block, tx } = await this.record(chunk.map((t) => ({ deviceKey: deviceKeyOf(t.device), root: t.tree.root, messages: t.messages.length })));
        for (const t of chunk) {
          this.store.saveBatch({ device: t.device, root: t.tree.root, messages: t.messages.length, block, tx }, t.messages);
          closing.delete(t.device);
        }
      }
      this.log(`telemetry roots of ${trees.length} device(s), ${trees.reduce((n, t) => n + t.messages.length, 0)} message(s) recorded`);
      return trees.length;
    } catch (err) {
      for (const [device, messages] of closing) this.pending.set(device, [...messages, ...(this.pending.get(device) ?? [])]);
      throw err;
    } finally {
      this.flushing = false;
    }
  }
}

/** The proof that a stored message is in its batch's tree. */
export function proveStored(store: MqttStore, device: string, seq?: number): MessageProof | null {
  const m = store.message(device, seq);
  if (!m) return null;
  const batch = store.batch(m.batch)!;
  const all = store.batchMessages(m.batch);
  const tree = StandardMerkleTree.of(all.map((x) => leafValues(device, x.topic, x.ts, x.payload)), LEAF_ENCODING, { sortLeaves: false });
  return { device, seq: m.seq, topic: m.topic, ts: m.ts, payload: m.payload.toString("base64"), root: tree.root, proof: tree.getProof(m.idx), block: batch.block };
}

/** Whether the message in `doc` hashes, along its proof, to `doc.root` (the caller checks the root is on chain). */
export function proofHolds(doc: MessageProof): boolean {
  try {
    return StandardMerkleTree.verify(doc.root, LEAF_ENCODING, leafValues(doc.device, doc.topic, doc.ts, Buffer.from(doc.payload, "base64")), doc.proof);
  } catch {
    return false;
  }
}
