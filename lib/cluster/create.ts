// `cluster create`: deploy the registry, admit this node as the first member, make and fund the first admin operator's
// key, fund the join key, return a join token.
import { connectSigner } from "../chain/signer";
import { existsSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { Wallet, parseEther } from "ethers";
import { mined, signAdmission } from "../chain";
import { deployClusterContracts } from "./deploy";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { keystoreAddress, readPassword, saveKeystore } from "../keys";
import { advertisedEndpoints, openChain, unlockNodeKey } from "../node/open";
import { readSpecs } from "../node/specs";
import { fundFromDevAccount, fundJoinKey } from "./funding";
import { startNewChain, type LocalGeth } from "./full-chain";
import { joinTokenOf } from "./join-key";
import { readMembership, recordMembership, type Membership } from "./membership";

export type Progress = (line: string) => void;

export type CreatedCluster = {
  registry: string;
  chainId: bigint;
  token: string;
  apps: string;
  /** The first admin: its encrypted keystore in the data dir and its address. */
  operator: { keystore: string; address: string };
  gas: { deploy: bigint; register: bigint; fundJoinKey: bigint; fundOperator: bigint };
};

/** What the first admin gets from the creating node, to pay for its transactions (deploys, `operator add`). */
export const FIRST_ADMIN_FUNDING_ETH = "10";

export type CreateOptions = { operatorPasswordFile?: string };

export async function createCluster(config: LoadedConfig, progress: Progress, options: CreateOptions = {}): Promise<CreatedCluster> {
  const { chain } = config.values;
  const current = readMembership(config);
  if (current) throw new UserError(`this node already belongs to cluster ${current.registry}; run \`edge-agent init --force\` to start over`);
  if (chain.mode === "light") throw new UserError("a light node cannot create a cluster: create it on a dev or full node and join with the token");
  // Full mode: geth runs for this command only; `edge-agent run` keeps it up afterwards (joiners need a running member).
  const local = chain.mode === "full" ? await startNewChain(config, keystoreAddress(config.files.keystore), progress) : undefined;
  try {
    return await deployAndRegister(config, progress, local, options);
  } finally {
    await local?.supervisor.stop();
  }
}

async function deployAndRegister(config: LoadedConfig, progress: Progress, local: LocalGeth | undefined, options: CreateOptions): Promise<CreatedCluster> {
  const { chain, cluster, node } = config.values;
  const { provider, url, chainId } = await openChain(config, { chainId: local?.chainId });
  progress(`chain ${chainId} at ${url}`);
  const wallet = connectSigner(await unlockNodeKey(config), provider);
  const budget = parseEther(cluster.join_budget_eth);
  const adminFunding = parseEther(FIRST_ADMIN_FUNDING_ETH);
  if (chain.mode === "dev") await fundFromDevAccount(provider, wallet.address, budget + adminFunding + parseEther("10"));

  const joinKey = Wallet.createRandom();
  await saveKeystore(config.files.joinKey, joinKey, readPassword(config.files.passwordFile), config.values.keys.scrypt_n);
  const operator = await saveFirstAdminKey(config, options, progress);

  progress("deploying the cluster's contracts (DeviceRegistry, Operators, AppRegistry, EventLogger, Reputation, DeviceDirectory)…");
  const { registry, apps, gas: deployGas, block } = await deployClusterContracts(wallet, joinKey.address, operator.address, {
    livenessGraceSeconds: Math.ceil(cluster.liveness_grace_ms / 1000),
    solverBlocks: cluster.solver_timeout_blocks,
    eventBlocks: cluster.event_timeout_blocks,
  });
  progress(`registry ${registry.address} (block ${block}, ${deployGas} gas for all four contracts)`);

  const admission = await signAdmission(joinKey, chainId, registry.address, wallet.address);
  const endpoints = [...advertisedEndpoints(config), ...(local ? [local.enode] : [])];
  const registered = await registry.register(
    { name: node.name, specs: readSpecs(config.files.dataDir), labels: node.labels, endpoints },
    admission,
  );
  progress(`registered "${node.name}" as ${wallet.address} (${registered.gasUsed} gas)`);

  const funded = await fundJoinKey(wallet, joinKey.address, budget);
  progress(`join budget of ${cluster.join_budget_eth} ETH at ${joinKey.address}`);
  const fundedOperator = await mined(`funding the first admin ${operator.address}`, () => wallet.sendTransaction({ to: operator.address, value: adminFunding }));
  progress(`first admin operator ${operator.address}, key in ${operator.keystore} (${FIRST_ADMIN_FUNDING_ETH} ETH for gas)`);

  const membership: Membership = {
    registry: registry.address,
    chainId,
    genesisHash: local?.genesisHash ?? (await provider.getBlock(0))!.hash!,
    blockPeriodS: cluster.block_period_s,
    fullNodesSeal: cluster.full_nodes_seal,
    endpoints: [],
  };
  recordMembership(config, membership);
  const token = joinTokenOf(config, membership, { joinKey: joinKey.privateKey, enodes: local ? [local.enode] : [] });
  return {
    registry: registry.address,
    apps: apps.address,
    chainId,
    token,
    operator,
    gas: { deploy: deployGas, register: registered.gasUsed, fundJoinKey: funded.gasUsed, fundOperator: fundedOperator.gasUsed },
  };
}

/**
 * A fresh operator key, the cluster's first admin, encrypted into operator.json in the data dir beside the node's
 * keystore (mode 0600), with --operator-password-file's password or else the node's. A key left there by an earlier,
 * abandoned create is kept aside (operator.json.old-TIME), never overwritten.
 */
async function saveFirstAdminKey(config: LoadedConfig, options: CreateOptions, progress: Progress): Promise<{ keystore: string; address: string }> {
  const keystore = join(config.files.dataDir, "operator.json");
  if (existsSync(keystore)) {
    const aside = `${keystore}.old-${Date.now()}`;
    renameSync(keystore, aside);
    progress(`an earlier operator key was at ${keystore}: moved to ${aside}`);
  }
  const passwordFile = options.operatorPasswordFile ? resolve(options.operatorPasswordFile) : config.files.passwordFile;
  const key = Wallet.createRandom();
  await saveKeystore(keystore, key, readPassword(passwordFile), config.values.keys.scrypt_n);
  return { keystore, address: key.address };
}
