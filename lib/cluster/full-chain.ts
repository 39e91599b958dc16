// Full mode's part of `cluster create` and `join`: bring up this node's geth for the command's duration.
// create: a fresh Clique genesis with this node as the only signer and funded account.
// join: the genesis rebuilt from the token, refused unless its hash is the token's, then peering and sync.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import { connectChain } from "../chain";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import {
  CREATOR_ALLOC_WEI, DEFAULT_EPOCH, DEFAULT_GAS_LIMIT, addPeers, cliqueGenesis, geth, genesisParamsOf, gethDatadir, localGenesisHash,
  prepareGeth, readDatadirGenesis, superviseGeth, waitSynced, type ClusterChain, type GethSupervisor,
} from "../geth";
import type { JoinToken } from "./token";
import type { Progress } from "./create";

export type LocalGeth = { supervisor: GethSupervisor; genesisHash: string; enode: string; chainId: bigint };

/** A chain id for a new cluster: random, unlikely to collide with public chains. */
export function newChainId(): bigint {
  return BigInt(randomInt(1_000_000, 2 ** 31 - 1));
}

export async function startNewChain(config: LoadedConfig, address: string, progress: Progress): Promise<LocalGeth> {
  // A datadir left by an interrupted `cluster create` keeps its chain (and chain id).
  const genesis = readDatadirGenesis(gethDatadir(config)) ?? cliqueGenesis({
    chainId: newChainId(), periodSeconds: config.values.cluster.block_period_s, epoch: DEFAULT_EPOCH, signers: [address],
    alloc: { [address]: CREATOR_ALLOC_WEI }, timestamp: Math.floor(Date.now() / 1000), gasLimit: DEFAULT_GAS_LIMIT,
  });
  const chainId = BigInt(genesis.config.chainId);
  const period = genesis.config.clique.period;
  const version = await prepareGeth(config, address, genesis);
  const local = await start(config, address, { chainId, seal: config.values.cluster.full_nodes_seal });
  // Until geth's transaction indexer has caught up (eth_syncing false) it answers receipts with "transaction indexing
  // is in progress", which ethers takes for a failed transaction; it catches up after the first sealed block.
  await waitFor(() => geth.syncing(local.supervisor.ipc).then((s) => s === false), 15_000);
  progress(`geth ${version}: new Clique chain ${chainId} (${period} s blocks), genesis ${local.genesisHash}, this node the first signer`);
  return local;
}

export async function startJoinedChain(config: LoadedConfig, address: string, token: JoinToken, progress: Progress): Promise<LocalGeth> {
  if (!token.chain || !token.genesisHash) {
    throw new UserError("this token is for a dev-chain cluster; a full node can only join a cluster created in full mode (use `--chain-mode dev` or `light`)");
  }
  const genesis = cliqueGenesis(genesisParamsOf(token.chainId, token.chain.genesis));
  const version = await prepareGeth(config, address, genesis);
  const local = await start(config, address, { chainId: token.chainId, seal: token.chain.fullNodesSeal });
  if (local.genesisHash.toLowerCase() !== token.genesisHash.toLowerCase()) {
    await local.supervisor.stop();
    rmSync(join(gethDatadir(config), "geth"), { recursive: true, force: true }); // never keep a chain we did not ask for
    rmSync(join(gethDatadir(config), "genesis.json"), { force: true });
    throw new UserError(`the genesis built from the token has hash ${local.genesisHash}, not the token's ${token.genesisHash}: the token is altered or from another cluster`);
  }
  progress(`geth ${version}: genesis ${local.genesisHash} matches the token; peering with ${token.chain.enodes.length} member(s)`);
  await addPeers(local.supervisor.ipc, token.chain.enodes);
  const target = await memberHead(token.endpoints, config.values.chain.timeout_ms);
  const head = await waitSynced(local.supervisor.ipc, { target, maxLagSeconds: Math.max(10, 5 * token.chain.genesis.period), timeoutMs: 3_600_000, progress });
  progress(`synced to block ${head}`);
  return local;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < deadline) await Bun.sleep(200);
}

/** The head block of the first member RPC endpoint that answers (undefined if none does: geth's RPC may be loopback-only). */
async function memberHead(endpoints: string[], timeoutMs: number): Promise<number | undefined> {
  for (const url of endpoints) {
    try {
      const { provider } = await connectChain([url], timeoutMs);
      const head = await provider.getBlockNumber();
      provider.destroy();
      return head;
    } catch {
      // next
    }
  }
  return undefined;
}

async function start(config: LoadedConfig, address: string, chain: ClusterChain): Promise<LocalGeth> {
  const supervisor = superviseGeth(config, address, chain);
  await supervisor.start();
  const [genesisHash, info] = await Promise.all([localGenesisHash(supervisor.ipc), geth.nodeInfo(supervisor.ipc)]);
  return { supervisor, genesisHash, enode: info.enode.replace(/\?.*$/, ""), chainId: chain.chainId };
}
