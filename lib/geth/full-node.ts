// Full mode for one agent: its geth (datadir DATA/geth, ports from [chain]), the genesis it was initialised from,
// peering with members' enodes and voting full members in as Clique signers.
import { join } from "node:path";
import { getAddress } from "ethers";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { genesisSpecFromJson, type GenesisSpec, type GethGenesis } from "./genesis";
import { geth } from "./ipc";
import { gethVersion, initDatadir, installKeystore, readDatadirGenesis, type GethOptions } from "./node";
import { GethSupervisor, type SupervisorEvents } from "./supervisor";

export const GETH_VERSION = "1.13.15";

export const gethDatadir = (config: LoadedConfig) => join(config.files.dataDir, "geth");

/** The URL the agent reaches its own geth on. */
export function localGethUrl(config: LoadedConfig): string {
  const { geth_http_address: address, geth_http_port: port } = config.values.chain;
  const host = address === "0.0.0.0" ? "127.0.0.1" : address === "::" ? "[::1]" : address.includes(":") ? `[${address}]` : address;
  return `http://${host}:${port}`;
}

/** The cluster chain a geth serves: its id, and whether this node offers to seal (geth then waits to be voted in). */
export type ClusterChain = { chainId: bigint; seal: boolean };

export function gethOptions(config: LoadedConfig, address: string, cluster: ClusterChain): GethOptions {
  const { chain } = config.values;
  return {
    bin: chain.geth_bin,
    datadir: gethDatadir(config),
    networkId: cluster.chainId,
    p2pPort: chain.geth_p2p_port,
    externalIp: chain.geth_external_ip || undefined,
    httpAddress: chain.geth_http_address,
    httpPort: chain.geth_http_port,
    authrpcPort: chain.geth_authrpc_port,
    // geth seals only once the signers have voted this node in; until then --mine just waits.
    signer: cluster.seal ? { address, passwordFile: config.files.passwordFile } : undefined,
  };
}

/** Checks the geth binary, initialises the datadir from `genesis` (once) and puts the node key in geth's keystore. */
export async function prepareGeth(config: LoadedConfig, address: string, genesis: GethGenesis): Promise<string> {
  const version = await gethVersion(config.values.chain.geth_bin);
  if (!version.startsWith(GETH_VERSION)) {
    throw new UserError(`${config.values.chain.geth_bin} is geth ${version}; full mode needs ${GETH_VERSION} (the last geth that seals Clique): run scripts/bootstrap.sh`);
  }
  const datadir = gethDatadir(config);
  await initDatadir(config.values.chain.geth_bin, datadir, genesis);
  installKeystore(datadir, config.files.keystore, address);
  return version;
}

/** The genesis parameters of this node's chain, for join tokens (from the genesis.json its datadir was made from). */
export function localGenesisSpec(config: LoadedConfig): GenesisSpec {
  const genesis = readDatadirGenesis(gethDatadir(config));
  if (!genesis) throw new UserError(`no geth datadir at ${gethDatadir(config)}: this node was not set up in full mode`);
  return genesisSpecFromJson(genesis);
}

export function superviseGeth(config: LoadedConfig, address: string, cluster: ClusterChain, events: SupervisorEvents = {}): GethSupervisor {
  return new GethSupervisor(gethOptions(config, address, cluster), events);
}

/** Hash of block 0 as the local geth has it. */
export async function localGenesisHash(ipc: string): Promise<string> {
  const block = await geth.block(ipc, "0x0");
  if (!block) throw new UserError("the local geth has no block 0");
  return block.hash;
}

/** admin_addPeer for every enode but our own; geth ignores peers it already has. */
export async function addPeers(ipc: string, enodes: string[]): Promise<void> {
  const self = (await geth.nodeInfo(ipc)).id;
  for (const enode of new Set(enodes)) {
    if (enode.includes(self)) continue;
    await geth.addPeer(ipc, enode).catch(() => {});
  }
}

/**
 * Waits until geth has a peer, is not syncing, and has reached `target` (a member's head when the wait began) or has
 * a head at most `maxLagSeconds` old: with Clique that means it has the chain the signers extend.
 */
export async function waitSynced(ipc: string, o: { target?: number; maxLagSeconds: number; timeoutMs: number; progress?: (line: string) => void }): Promise<number> {
  const deadline = Date.now() + o.timeoutMs;
  let last = "";
  for (;;) {
    const [peers, syncing, head] = await Promise.all([geth.peers(ipc), geth.syncing(ipc), geth.block(ipc, "latest")]);
    const number = Number(head!.number);
    // (A target of 0 may be our own fresh geth answering on a loopback URL a member advertised: ignore it.)
    const caughtUp = (o.target !== undefined && o.target > 0 && number >= o.target) || Date.now() / 1000 - Number(head!.timestamp) <= o.maxLagSeconds;
    if (peers.length > 0 && syncing === false && caughtUp) return number;
    const of = syncing ? Number(syncing.highestBlock) : o.target;
    const line = `syncing: ${peers.length} peer(s), block ${number}${of !== undefined ? ` of ${of}` : ""}`;
    if (line !== last) o.progress?.(line);
    last = line;
    if (Date.now() > deadline) throw new UserError(`geth did not sync within ${Math.round(o.timeoutMs / 1000)} s (${line}); are the members' geth nodes reachable?`);
    await Bun.sleep(500);
  }
}

/** Enodes among node records' endpoints (full members register theirs). */
export function enodesOf(endpoints: string[]): string[] {
  return endpoints.filter((e) => e.startsWith("enode://"));
}

/**
 * This node's Clique votes, when it is a signer: add every full member that is not a signer yet, drop every signer
 * that is no longer a member (evicted). Nothing while geth is syncing (its member list may be old). Proposals that
 * have taken effect or no longer match the members are withdrawn. Returns what it proposed.
 */
export async function voteSigners(ipc: string, self: string, fullMembers: string[]): Promise<{ add: string[]; drop: string[] }> {
  if ((await geth.syncing(ipc)) !== false) return { add: [], drop: [] };
  const signers = new Set((await geth.signers(ipc)).map((s) => getAddress(s)));
  if (!signers.has(getAddress(self))) return { add: [], drop: [] };
  const members = new Set(fullMembers.map((a) => getAddress(a)));
  const pending = new Map(Object.entries(await geth.proposals(ipc)).map(([a, v]) => [getAddress(a), v]));
  for (const [a, v] of pending) {
    if (v !== members.has(a) || v === signers.has(a)) {
      await geth.discard(ipc, a);
      pending.delete(a);
    }
  }
  const add = [...members].filter((a) => !signers.has(a) && !pending.has(a));
  const drop = [...signers].filter((a) => !members.has(a) && a !== getAddress(self) && !pending.has(a));
  for (const a of add) await geth.propose(ipc, a, true);
  for (const a of drop) await geth.propose(ipc, a, false);
  return { add, drop };
}

/**
 * Breaks Clique's known stall: with a signer missing, the two others can each seal the same height out of turn
 * (equal difficulty, so neither switches to the other's block) and then each waits for the other ("signed
 * recently"). When the head has not moved for `stallMs` and this node sealed it itself while it has peers, it steps
 * back one block (debug_setHead), imports the peer's block of that height and can seal on top of it. Callers pass a
 * randomised `stallMs` so two stalled signers do not step back at the same moment.
 */
export class StallBreaker {
  private head = -1;
  private since = Date.now();

  constructor(
    private readonly ipc: string,
    private readonly self: string,
  ) {}

  /** Returns the block number it stepped back from, or null. */
  async check(stallMs: number): Promise<number | null> {
    const head = await geth.blockNumber(this.ipc);
    if (head !== this.head) {
      this.head = head;
      this.since = Date.now();
      return null;
    }
    if (head === 0 || Date.now() - this.since < stallMs) return null;
    const [peers, signer, signers] = await Promise.all([geth.peers(this.ipc), geth.signerOf(this.ipc, head), geth.signers(this.ipc)]);
    if (peers.length === 0 || signers.length < 3 || getAddress(signer) !== getAddress(this.self)) return null;
    await geth.setHead(this.ipc, head - 1);
    this.since = Date.now();
    return head;
  }
}
