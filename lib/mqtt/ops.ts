// Device operations on the chain, shared by the control API (daemon) and the CLI (no daemon): add, list, remove,
// set desired twin state; and the proof/verify of relayed telemetry.
import { existsSync } from "node:fs";
import type { DeviceDirectory, DeviceRecord } from "../chain";
import type { ClusterClient } from "../cluster/client";
import { UserError } from "../errors";
import { DEVICE_ID, newCredential } from "./credentials";
import { mergeDesired, mqttDbPath } from "./proxy";
import { MqttStore } from "./store";
import { leafOf, proofHolds, proveStored, type MessageProof } from "./telemetry";
import type { Twin } from "./twin";

export type DeviceDraft = { id: string; type: string; labels: Record<string, string> };
export type AddedDevice = { id: string; username: string; password: string; node: string; block: number; gasUsed: string };
export type DeviceView = Omit<DeviceRecord, "credentialSalt" | "credentialHash"> & { nodeName: string | null; reported: Record<string, unknown> | null; reportedAt: string | null };

/** The cluster's device directory bound to this node's key. */
export const directoryOf = (client: ClusterClient): DeviceDirectory => client.directory();

export function checkDeviceDraft(d: DeviceDraft): DeviceDraft {
  if (!DEVICE_ID.test(d.id)) throw new UserError(`invalid device id "${d.id}": 1-64 letters, digits, '.', '_' or '-'`);
  if (d.type.length > 64) throw new UserError("a device type is at most 64 characters");
  for (const [k, v] of Object.entries(d.labels)) {
    if (!/^[A-Za-z0-9._/-]{1,63}$/.test(k) || v.length > 63 || v.includes(",")) throw new UserError(`invalid label "${k}=${v}"`);
  }
  return d;
}

export async function addDevice(client: ClusterClient, draft: DeviceDraft): Promise<AddedDevice> {
  checkDeviceDraft(draft);
  const dir = directoryOf(client);
  const cred = newCredential();
  const r = await client.queue.run(() => dir.add({ ...draft, credentialSalt: cred.salt, credentialHash: cred.hash }));
  return { id: draft.id, username: draft.id, password: cred.secret, node: client.address, block: r.blockNumber, gasUsed: r.gasUsed.toString() };
}

export async function removeDevice(client: ClusterClient, id: string): Promise<{ id: string; block: number }> {
  const dir = directoryOf(client);
  const r = await client.queue.run(() => dir.remove(id));
  return { id, block: r.blockNumber };
}

export async function setDesired(client: ClusterClient, id: string, changes: Record<string, unknown>): Promise<{ id: string; desired: Record<string, unknown>; version: number }> {
  const dir = directoryOf(client);
  const current = (await dir.all()).find((d) => d.id === id);
  if (!current) throw new UserError(`no device "${id}" in this cluster`);
  const desired = mergeDesired(current.desired, changes);
  await client.queue.run(() => dir.setDesired(id, desired));
  return { id, desired, version: current.desiredVersion + 1 };
}

export async function listDevices(client: ClusterClient, twins: Twin[]): Promise<DeviceView[]> {
  const [devices, members] = await Promise.all([directoryOf(client).all(), client.devices.nodes()]);
  return devices.map(({ credentialSalt: _s, credentialHash: _h, ...d }) => {
    const twin = twins.find((t) => t.device === d.id);
    return { ...d, nodeName: members.find((m) => m.address === d.node)?.name ?? null, reported: twin?.reported ?? null, reportedAt: twin?.reportedAt ?? null };
  });
}

/** The twins this node's proxy keeps (read-only; empty when it never ran). */
export function localTwins(dataDir: string): Twin[] {
  if (!existsSync(mqttDbPath(dataDir))) return [];
  const store = new MqttStore(mqttDbPath(dataDir), { readonly: true });
  try {
    return store.twins();
  } finally {
    store.close();
  }
}

/** A proof for a message this node relayed (by sequence number, else the device's latest batched one). */
export function proofFor(dataDir: string, device: string, seq?: number): MessageProof {
  if (!existsSync(mqttDbPath(dataDir))) throw new UserError("this node has relayed no telemetry (no mqtt.db in the data dir)");
  const store = new MqttStore(mqttDbPath(dataDir), { readonly: true });
  try {
    const proof = proveStored(store, device, seq);
    if (!proof) throw new UserError(`no batched telemetry of device "${device}"${seq === undefined ? "" : ` with sequence number ${seq}`} on this node`);
    return proof;
  } finally {
    store.close();
  }
}

export type Verdict = { valid: boolean; reason: string; root: string | null; block: number | null };

/**
 * Checks a message document: its proof must lead to its root, and the root must be recorded on chain for the device.
 * Without a proof in the document, the proof is looked up in this node's batches by the message's leaf hash.
 */
export async function verifyMessage(client: ClusterClient, dataDir: string, device: string, doc: Partial<MessageProof>): Promise<Verdict> {
  if (typeof doc.topic !== "string" || typeof doc.ts !== "number" || typeof doc.payload !== "string") throw new UserError('the message file needs "topic", "ts" (ms) and "payload" (base64)');
  if (doc.device !== undefined && doc.device !== device) return { valid: false, reason: `the message is of device "${doc.device}", not "${device}"`, root: null, block: null };
  let proof = doc as MessageProof;
  if (!Array.isArray(doc.proof) || typeof doc.root !== "string") {
    const leaf = leafOf(device, doc.topic, doc.ts, Buffer.from(doc.payload, "base64"));
    const store = existsSync(mqttDbPath(dataDir)) ? new MqttStore(mqttDbPath(dataDir), { readonly: true }) : null;
    const found = store?.messageByLeaf(device, leaf);
    const stored = found ? proveStored(store!, device, found.seq) : null;
    store?.close();
    if (!stored) return { valid: false, reason: "the message is in no batch this node recorded", root: null, block: null };
    proof = stored;
  }
  proof = { ...proof, device };
  if (!proofHolds(proof)) return { valid: false, reason: "the Merkle proof does not lead from this message to the root", root: proof.root, block: null };
  const block = await directoryOf(client).rootBlock(device, proof.root);
  if (block === 0) return { valid: false, reason: `root ${proof.root} is not recorded on chain for device "${device}"`, root: proof.root, block: null };
  return { valid: true, reason: `in the batch with root ${proof.root}, recorded in block ${block}`, root: proof.root, block };
}
