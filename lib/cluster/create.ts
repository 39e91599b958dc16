// `cluster create`: deploy the registry, admit this node as the first member, fund the join key, return a join token.
import { connectSigner } from "../chain/signer";
import { Wallet, parseEther } from "ethers";
import { signAdmission } from "../chain";
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
  gas: { deploy: bigint; register: bigint; fundJoinKey: bigint };
};

export async function createCluster(config: LoadedConfig, progress: Progress): Promise<CreatedCluster> {
  const { chain } = config.values;
  const current = readMembership(config);
  if (current) throw new UserError(`this node already belongs to cluster ${current.registry}; run \`edge-agent init --force\` to start over`);
  if (chain.mode === "light") throw new UserError("a light node cannot create a cluster: create it on a dev or full node and join with the token");
  // Full mode: geth runs for this command only; `edge-agent run` keeps it up afterwards (joiners need a running member).
  const local = chain.mode === "full" ? await startNewChain(config, keystoreAddress(config.files.keystore), progress) : undefined;
  try {
    return await deployAndRegister(config, progress, local);
  } finally {
    await local?.supervisor.stop();
  }
}

async function deployAndRegister(config: LoadedConfig, progress: Progress, local: LocalGeth | undefined): Promise<CreatedCluster> {
  const { chain, cluster, node } = config.values;
  const { provider, url, chainId } = await openChain(config, { chainId: local?.chainId });
  progress(`chain ${chainId} at ${url}`);
  const wallet = connectSigner(await unlockNodeKey(config), provider);
  const budget = parseEther(cluster.join_budget_eth);
  if (chain.mode === "dev") await fundFromDevAccount(provider, wallet.address, budget + parseEther("10"));

  const joinKey = Wallet.createRandom();
  await saveKeystore(config.files.joinKey, joinKey, readPassword(config.files.passwordFile), config.values.keys.scrypt_n);

  progress("deploying the cluster's contracts (DeviceRegistry, AppRegistry, EventLogger, Reputation)…");
  const { registry, apps, gas: deployGas, block } = await deployClusterContracts(wallet, joinKey.address, {
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
    gas: { deploy: deployGas, register: registered.gasUsed, fundJoinKey: funded.gasUsed },
  };
}
