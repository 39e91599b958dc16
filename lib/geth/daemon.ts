// Full mode inside `edge-agent run`, beside the supervisor that keeps geth up: keep geth peered with every full
// member whose enode is on chain, and, when this node is a signer and the cluster says full nodes seal, cast its
// Clique votes (admitted full members in, evicted ones out) and step back from a Clique stall.
import type { NodeRecord } from "../chain";
import type { Membership } from "../cluster/membership";
import type { Log } from "../agent/log";
import { StallBreaker, addPeers, enodesOf, voteSigners } from "./full-node";
import { geth } from "./ipc";

export class FullNodeTender {
  private readonly stall: StallBreaker;

  constructor(
    private readonly ipc: string,
    private readonly address: string,
    private readonly cluster: Pick<Membership, "fullNodesSeal" | "blockPeriodS">,
    private readonly log: Log,
  ) {
    this.stall = new StallBreaker(ipc, address);
  }

  /** One round of peering and votes against the members as the chain lists them. */
  async tend(members: NodeRecord[]): Promise<void> {
    const full = members.filter((m) => enodesOf(m.endpoints).length > 0);
    await addPeers(this.ipc, full.flatMap((m) => enodesOf(m.endpoints)));
    if (!this.cluster.fullNodesSeal) return;
    const { add, drop } = await voteSigners(this.ipc, this.address, full.map((m) => m.address));
    for (const a of add) this.log(`voting ${a} in as a Clique signer`);
    for (const a of drop) this.log(`voting ${a} out as a Clique signer`);
    // Only where blocks come on a clock (period > 0) and other signers exist can a still head mean a stall.
    const period = this.cluster.blockPeriodS;
    const base = Math.max(5_000, 5_000 * period);
    const steppedBack = period > 0 ? await this.stall.check(base + Math.random() * base) : null;
    if (steppedBack !== null) this.log(`the chain stalled at block ${steppedBack}, sealed by this node: stepping back one block to take the other signer's`);
  }
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
