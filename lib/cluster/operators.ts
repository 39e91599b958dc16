// Managing the cluster's operators from an admin's key: give a key a role (and gas money), take it away, list them.
import { formatEther, getAddress, isAddress, parseEther } from "ethers";
import { OPERATOR_ROLES, mined, type OperatorRecord, type OperatorRole } from "../chain";
import { UserError } from "../errors";
import type { ClusterClient } from "./client";
import type { ClusterReader } from "./reader";

export type OperatorChange = { address: string; role: OperatorRole | null; block: number; fundedEth: string };

export function parseOperatorAddress(text: string): string {
  if (!isAddress(text)) throw new UserError(`"${text}" is not an address: expected 0x and 40 hex digits (\`edge-agent operator new\` prints one)`);
  return getAddress(text);
}

export function parseRole(text: string): OperatorRole {
  const role = OPERATOR_ROLES.find((r) => r === text);
  if (!role) throw new UserError(`unknown role "${text}": expected one of ${OPERATOR_ROLES.join(", ")}`);
  return role;
}

/** Gives `who` exactly `role`, then tops its balance up to `fundEth` from the admin's key so it can send transactions. */
export async function addOperator(client: ClusterClient, who: string, role: OperatorRole, fundEth: string): Promise<OperatorChange> {
  await requireAdmin(client, `operator add ${who} --role ${role}`);
  if (await client.reader.devices.isMember(who)) throw new UserError(`${who} is a node key (a member of this cluster); operators use keys of their own (\`edge-agent operator new\`)`);
  const block = (await client.operators.roleOf(who)) === role ? await client.provider.getBlockNumber() : (await client.queue.run(() => client.operators.setRole(who, role))).blockNumber;
  const wanted = parseFundAmount(fundEth);
  const balance = await client.provider.getBalance(who);
  const topUp = role === "viewer" || balance >= wanted ? 0n : wanted - balance;
  if (topUp > 0n) await client.queue.run(() => mined(`sending ${formatEther(topUp)} ETH for gas to ${who}`, () => client.wallet.sendTransaction({ to: who, value: topUp })));
  return { address: who, role, block, fundedEth: formatEther(topUp) };
}

export async function removeOperator(client: ClusterClient, who: string): Promise<OperatorChange> {
  await requireAdmin(client, `operator rm ${who}`);
  if ((await client.operators.roleOf(who)) === null) throw new UserError(`${who} is no operator of this cluster (see \`edge-agent operator ls\`)`);
  const receipt = await client.queue.run(() => client.operators.remove(who));
  return { address: who, role: null, block: receipt.blockNumber, fundedEth: "0.0" };
}

export function listOperators(reader: ClusterReader): Promise<OperatorRecord[]> {
  return reader.operators.list();
}

async function requireAdmin(client: ClusterClient, what: string): Promise<void> {
  const role = await client.operators.roleOf(client.address);
  if (role !== "admin") throw new UserError(`${what} takes an admin's operator key; ${client.address} ${role ? `is a ${role}` : "has no role in this cluster"}`);
}

function parseFundAmount(eth: string): bigint {
  try {
    return parseEther(eth);
  } catch {
    throw new UserError(`invalid --eth "${eth}": expected an amount of ETH such as 1 or 0.5`);
  }
}
