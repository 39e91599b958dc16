// `join --cluster TOKEN`: check the token against the chain, take the stipend, register, point the config at the cluster.
import { connectSigner } from "../chain/signer";
import { Wallet, parseEther } from "ethers";
import { DeviceRegistry, signAdmission } from "../chain";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { keystoreAddress, readPassword, saveKeystore } from "../keys";
import { advertisedEndpoints, openChain, unlockNodeKey } from "../node/open";
import { readSpecs } from "../node/specs";
import type { Progress } from "./create";
import { takeStipend } from "./funding";
import { decodeJoinToken, type JoinToken } from "./token";
import { startJoinedChain, type LocalGeth } from "./full-chain";
import { readMembership, recordMembership } from "./membership";

export type JoinedCluster = { registry: string; chainId: bigint; address: string; alreadyMember: boolean; gas: { stipend: boolean; register: bigint } };

export async function joinCluster(config: LoadedConfig, tokenText: string, progress: Progress): Promise<JoinedCluster> {
  const token = decodeJoinToken(tokenText);
  const current = readMembership(config)?.registry;
  if (current && current.toLowerCase() !== token.registry.toLowerCase()) {
    throw new UserError(`this node already belongs to cluster ${current}; run \`edge-agent init --force\` to start over`);
  }

  // Full mode: geth runs for this command only (from a genesis checked against the token); `run` keeps it up afterwards.
  const local = config.values.chain.mode === "full" ? await startJoinedChain(config, keystoreAddress(config.files.keystore), token, progress) : undefined;
  try {
    return await checkAndRegister(config, token, progress, local);
  } finally {
    await local?.supervisor.stop();
  }
}

async function checkAndRegister(config: LoadedConfig, token: JoinToken, progress: Progress, local: LocalGeth | undefined): Promise<JoinedCluster> {
  const { provider, url } = await openChain(config, { endpoints: token.endpoints, chainId: token.chainId, genesisHash: token.genesisHash });
  progress(`chain ${token.chainId} at ${url}`);
  const genesisHash = (await provider.getBlock(0))!.hash!;
  if (token.genesisHash && genesisHash.toLowerCase() !== token.genesisHash.toLowerCase()) {
    throw new UserError(`${url} serves a chain whose genesis is ${genesisHash}, not the token's ${token.genesisHash}`);
  }
  const registry = new DeviceRegistry(token.registry, provider);
  await registry.verify();
  const joinKey = new Wallet(token.joinKey, provider);
  if ((await registry.joinAuthority()) !== joinKey.address) {
    throw new UserError(`the join token's secret does not belong to cluster ${token.registry} (a token of another cluster, or a revoked one)`);
  }

  const wallet = connectSigner(await unlockNodeKey(config), provider);
  const result: JoinedCluster = { registry: token.registry, chainId: token.chainId, address: wallet.address, alreadyMember: false, gas: { stipend: false, register: 0n } };
  if (await registry.isMember(wallet.address)) {
    progress(`${wallet.address} is already a member of ${token.registry}`);
    result.alreadyMember = true;
  } else {
    result.gas.stipend = await takeStipend(joinKey, wallet.address, parseEther(config.values.cluster.stipend_eth));
    const { node } = config.values;
    const admission = await signAdmission(joinKey, token.chainId, token.registry, wallet.address);
    const endpoints = [...advertisedEndpoints(config), ...(local ? [local.enode] : [])];
    const receipt = await new DeviceRegistry(token.registry, wallet).register(
      { name: node.name, specs: readSpecs(config.files.dataDir), labels: node.labels, endpoints },
      admission,
    );
    result.gas.register = receipt.gasUsed;
    progress(`registered "${node.name}" as ${wallet.address} (block ${receipt.blockNumber})`);
  }

  await saveKeystore(config.files.joinKey, joinKey, readPassword(config.files.passwordFile), config.values.keys.scrypt_n);
  recordMembership(config, {
    registry: token.registry,
    chainId: token.chainId,
    genesisHash,
    blockPeriodS: token.chain?.genesis.period ?? config.values.cluster.block_period_s,
    fullNodesSeal: token.chain?.fullNodesSeal ?? config.values.cluster.full_nodes_seal,
    endpoints: local ? [] : token.endpoints,
  });
  return result;
}
