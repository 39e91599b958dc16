// App operations on the chain: deploy, scale, remove (signed by an operator key with the deployer or admin role), and
// list (the daemon answers it for the CLI over its socket when it runs).
import { formatUnits } from "ethers";
import type { AppRecord, NodeRecord } from "../chain";
import type { ClusterClient } from "../cluster/client";
import { UserError } from "../errors";
import { pendingReason, placementNodes } from "../placement/plan";
import { selects } from "../placement/rule";
import { resolveAgainstMembers, type DraftApp } from "./spec";
import type { AppSpec } from "./types";

export type ReplicaView = { replica: number; node: string | null; nodeName: string | null; state: string; version: number; reason: string };
export type AppView = {
  name: string; id: string; updatedBy: string; version: number; spec: AppSpec;
  desired: number; running: number; pending: number; pendingReason: string | null; replicas: ReplicaView[];
};
export type TxResult = { block: number; gasUsed: string; tx: string };

export function viewApps(apps: AppRecord[], members: NodeRecord[]): AppView[] {
  const names = new Map(members.map((m) => [m.address, m.name]));
  const nodes = placementNodes(members);
  return apps
    .map((app) => {
      const assigned = app.replicas.filter((r) => r.node !== null).length;
      // An every-node app wants one replica per member its constraints select.
      const desired = app.spec.everyNode ? nodes.filter((n) => selects(app, n) === "None").length : app.spec.replicas;
      const pending = Math.max(0, desired - assigned);
      return {
        name: app.name, id: app.id, updatedBy: app.updatedBy, version: app.version, spec: app.spec,
        desired,
        running: app.replicas.filter((r) => r.node && r.state === "running" && r.version === app.version).length,
        pending,
        pendingReason: pending > 0 ? pendingReason(app, nodes, apps) ?? "waiting for a node to claim it" : null,
        replicas: app.replicas.map((r) => ({ replica: r.replica, node: r.node, nodeName: r.node ? names.get(r.node) ?? "(gone)" : null, state: r.state, version: r.version, reason: r.reason })),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function listApps(client: ClusterClient): Promise<AppView[]> {
  const { members, apps } = await client.state();
  return viewApps(apps, members);
}

export async function deployApp(client: ClusterClient, draft: DraftApp): Promise<TxResult & { version: number }> {
  const { members, apps } = await client.state();
  const spec = resolveAgainstMembers(draft, members);
  const existing = apps.find((a) => a.name === draft.name);
  await requireAppOperator(client);
  const receipt = await client.queue.run(() => client.apps.deploy(draft.name, spec));
  return { ...txResult(receipt), version: (existing?.version ?? 0) + 1 };
}

export async function scaleApp(client: ClusterClient, name: string, replicas: number): Promise<TxResult> {
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 1000) throw new UserError(`invalid replica count "${replicas}": expected 0 to 1000`);
  const app = await existingApp(client, name);
  if (app.spec.everyNode) throw new UserError(`app "${name}" runs on every matching node and cannot be scaled`);
  return txResult(await client.queue.run(() => client.apps.scale(name, replicas)));
}

export async function removeApp(client: ClusterClient, name: string): Promise<TxResult> {
  await existingApp(client, name);
  return txResult(await client.queue.run(() => client.apps.remove(name)));
}

async function existingApp(client: ClusterClient, name: string): Promise<AppRecord> {
  const app = (await client.state()).apps.find((a) => a.name === name);
  if (!app) throw new UserError(`no app named "${name}" (see \`edge-agent app ls\`)`);
  await requireAppOperator(client);
  return app;
}

/** The CLI's own check before it sends anything (the contract checks the same itself). */
async function requireAppOperator(client: ClusterClient): Promise<void> {
  const role = await client.operators.roleOf(client.address);
  if (role === "deployer" || role === "admin") return;
  throw new UserError(
    `the operator key ${client.address} ${role ? `is a ${role}` : "has no role in this cluster"}: changing apps takes the deployer or admin role ` +
      `(an admin runs \`edge-agent operator add ${client.address} --role deployer\`)`,
  );
}

function txResult(receipt: { blockNumber: number; gasUsed: bigint; hash: string }): TxResult {
  return { block: receipt.blockNumber, gasUsed: formatUnits(receipt.gasUsed, 0), tx: receipt.hash };
}
