// Sends one transaction and waits until it is mined, turning every failure into one readable line.
import { ContractFactory, Interface, isError, type InterfaceAbi, type Signer, type TransactionReceipt, type TransactionResponse } from "ethers";
import { AppRegistryArtifact, DeviceDirectoryArtifact, DeviceRegistryArtifact, EventLoggerArtifact, ReputationArtifact, OperatorsArtifact, type Artifact } from "./abi";
import { UserError, messageOf } from "../errors";

/** Decodes a contract's custom errors and turns them into sentences (undefined: use a generic one). */
export type RevertExplainer = { iface: Interface; explain: (name: string, args: readonly unknown[]) => string | undefined };

/** Sends after a lost nonce race: the CLI and the daemon sign with one node key, each counting its own nonces. */
const NONCE_RACE_ATTEMPTS = 4;

export async function mined(label: string, send: () => Promise<TransactionResponse>, explain?: RevertExplainer): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt | null;
  let tx: TransactionResponse | undefined;
  try {
    tx = await sendRacingNonces(send);
    receipt = await tx.wait();
  } catch (err) {
    // Reverted when mined though its gas estimate passed (the state moved in between): a receipt carries no
    // reason, so replay the call on the block it was mined in to learn which error the contract raised.
    const replayed = tx && isError(err, "CALL_EXCEPTION") && err.receipt ? await replay(tx, err.receipt.blockNumber) : undefined;
    throw new UserError(`${label} failed: ${explainTxError(replayed ?? err, explain)}`);
  }
  if (receipt === null || receipt.status !== 1) throw new UserError(`${label} failed: transaction reverted`);
  return receipt;
}

/**
 * `send`, again when the node refused it for a nonce another sender of this key took between our nonce read and our
 * send (its transaction pending at that nonce: "replacement transaction underpriced"; or mined: "nonce too low").
 * Each `send` reads the pending nonce anew, so the next attempt takes the one after the other sender's.
 */
async function sendRacingNonces(send: () => Promise<TransactionResponse>): Promise<TransactionResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      const raced = isError(err, "REPLACEMENT_UNDERPRICED") || isError(err, "NONCE_EXPIRED");
      if (!raced || attempt >= NONCE_RACE_ATTEMPTS) throw err;
      await Bun.sleep(100 * attempt);
    }
  }
}

async function replay(tx: TransactionResponse, blockTag: number): Promise<unknown> {
  try {
    await tx.provider.call({ to: tx.to, from: tx.from, data: tx.data, value: tx.value, blockTag });
    return undefined;
  } catch (err) {
    return err;
  }
}

export function explainTxError(err: unknown, explain?: RevertExplainer): string {
  if (isError(err, "CALL_EXCEPTION")) {
    // ethers leaves `revert` empty for custom errors raised while estimating gas: decode the data ourselves, with
    // the called contract's errors first, then any cluster contract's (a nested call's error bubbles up as is).
    const revert = err.revert ?? (err.data ? (explain?.iface.parseError(err.data) ?? clusterErrors().parseError(err.data)) : null);
    if (revert) return explain?.explain(revert.name, revert.args) ?? `${revert.name}(${[...revert.args].join(", ")})`;
    return err.reason ?? "the contract rejected the call";
  }
  if (isError(err, "INSUFFICIENT_FUNDS")) return "the account has not enough ETH to pay for gas";
  if (isError(err, "TIMEOUT")) return "the chain did not answer in time";
  if (isError(err, "NETWORK_ERROR") || /ECONNREFUSED|Unable to connect/i.test(messageOf(err))) return "lost the connection to the chain";
  if (isError(err, "NONCE_EXPIRED")) return "nonce already used (another transaction from this key raced it)";
  return messageOf(err).split("\n")[0]!;
}

/** Deploys a compiled contract and waits for it; the receipt carries the new address. */
export function deployed(label: string, artifact: Artifact, signer: Signer, args: unknown[]): Promise<TransactionReceipt> {
  const factory = new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signer);
  return mined(`deploying the ${label} contract`, async () => (await factory.deploy(...args)).deploymentTransaction()!);
}

let allErrors: Interface | undefined;
function clusterErrors(): Interface {
  const fragments = [DeviceRegistryArtifact, AppRegistryArtifact, EventLoggerArtifact, ReputationArtifact, DeviceDirectoryArtifact, OperatorsArtifact]
    .flatMap((a) => (a.abi as readonly { type: string }[]).filter((f) => f.type === "error"));
  const unique = [...new Map(fragments.map((f) => [JSON.stringify(f), f])).values()];
  return (allErrors ??= new Interface(unique as never));
}
