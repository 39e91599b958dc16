// Full mode inside `edge-agent run`: keep geth up (the supervisor restarts it), keep it peered with every full member
// whose enode is on chain, and, when this node is a signer and the cluster says full nodes seal, cast its Clique votes:
// admitted full members in, evicted ones out.
import { JsonRpcProvider, Network } from "ethers";
import { DeviceRegistry } from "../chain";
import type { LoadedConfig } from "../config";
import { messageOf } from "../errors";
import type { Log } from "../agent/log";
import { StallBreaker, addPeers, enodesOf, gethDatadir, localGethUrl, superviseGeth, voteSigners } from "./full-node";
import { ipcPath } from "./node";
import { geth } from "./ipc";
import type { GethSupervisor } from "./supervisor";

export type RunningGeth = { supervisor: GethSupervisor; stop(): Promise<void> };

export async function runGeth(config: LoadedConfig, address: string, log: Log, intervalMs = 5000): Promise<RunningGeth> {
  const { registry, chain_id, full_nodes_seal, block_period_s } = config.values.cluster;
  const provider = new JsonRpcProvider(localGethUrl(config), Network.from(BigInt(chain_id)), { staticNetwork: true });
  const devices = new DeviceRegistry(registry, provider);
  let busy = false;
  const stall = new StallBreaker(ipcPath(gethDatadir(config)), address);
  const tend = async () => {
    if (busy) return;
    busy = true;
    try {
      const members = await devices.nodes();
      const full = members.filter((m) => enodesOf(m.endpoints).length > 0);
      await addPeers(supervisor.ipc, full.flatMap((m) => enodesOf(m.endpoints)));
      if (full_nodes_seal) {
        const { add, drop } = await voteSigners(supervisor.ipc, address, full.map((m) => m.address));
        for (const a of add) log(`voting ${a} in as a Clique signer`);
        for (const a of drop) log(`voting ${a} out as a Clique signer`);
        // Only where blocks come on a clock (period > 0) and other signers exist can a still head mean a stall.
        const base = Math.max(5_000, 5_000 * block_period_s);
        const steppedBack = block_period_s > 0 ? await stall.check(base + Math.random() * base) : null;
        if (steppedBack !== null) log(`the chain stalled at block ${steppedBack}, sealed by this node: stepping back one block to take the other signer's`);
      }
    } catch (err) {
      log(`peering/votes: ${messageOf(err).split("\n")[0]}`);
    } finally {
      busy = false;
    }
  };
  const supervisor = superviseGeth(config, address, {
    onReady: () => void tend(),
    onExit: (code, delay) => log(`geth exited (code ${code}); restarting in ${delay} ms (log: ${supervisor.log})`),
  });
  await supervisor.start();
  log(`geth running (datadir ${config.files.dataDir}/geth, RPC ${localGethUrl(config)}, log ${supervisor.log})`);
  const timer = setInterval(() => void tend(), intervalMs);
  return {
    supervisor,
    async stop() {
      clearInterval(timer);
      provider.destroy();
      await supervisor.stop();
    },
  };
}

/** What `status` shows about the local geth (null when it does not answer on IPC). */
export type GethStatus = { version: string; syncing: boolean; head: number; highest: number; peers: number; signer: boolean; signers: number };

export async function gethStatus(ipc: string, address: string): Promise<GethStatus | null> {
  try {
    const [version, syncing, head, peers, signers] = await Promise.all([
      geth.clientVersion(ipc),
      geth.syncing(ipc),
      geth.blockNumber(ipc),
      geth.peers(ipc),
      geth.signers(ipc),
    ]);
    return {
      version,
      syncing: syncing !== false,
      head,
      highest: syncing ? Number(syncing.highestBlock) : head,
      peers: peers.length,
      signer: signers.some((s) => s.toLowerCase() === address.toLowerCase()),
      signers: signers.length,
    };
  } catch {
    return null;
  }
}
