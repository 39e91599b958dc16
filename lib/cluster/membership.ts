// Which cluster this node belongs to, as `cluster create` and `join` record it in DATA/agent.db. The operator's
// config.toml is never rewritten for it. A config written by an older agent that still carries [cluster] registry,
// chain_id and genesis_hash is read once, copied into the database, and a note says the lines can go.
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { Store, agentDbPath } from "../store/store";

export type Membership = {
  registry: string;
  chainId: bigint;
  /** Block 0 of the cluster's chain: the root of trust for light mode, checked by full-mode joins. */
  genesisHash: string;
  /** Full mode: the Clique block period and whether admitted full members seal, fixed when the cluster was created. */
  blockPeriodS: number;
  fullNodesSeal: boolean;
  /** Members' RPC endpoints from the join token, tried after [chain] rpc. */
  endpoints: string[];
};

const KEY = "membership";
const cache = new WeakMap<LoadedConfig, Membership | null>();

/** This node's cluster, or null before `cluster create` / `join`. */
export function readMembership(config: LoadedConfig): Membership | null {
  if (cache.has(config)) return cache.get(config)!;
  const store = new Store(agentDbPath(config.files.dataDir));
  try {
    const stored = store.getMeta(KEY);
    const membership = stored ? parse(stored) : fromLegacyConfig(config, store);
    cache.set(config, membership);
    return membership;
  } finally {
    store.close();
  }
}

/** This node's cluster; a clear error when it has none. */
export function requireMembership(config: LoadedConfig): Membership {
  const m = readMembership(config);
  if (!m) throw new UserError("this node is not in a cluster: run `edge-agent cluster create` or `edge-agent join` first");
  return m;
}

export function recordMembership(config: LoadedConfig, m: Membership): void {
  withStore(config, (store) => store.setMeta(KEY, JSON.stringify({ ...m, chainId: m.chainId.toString() })));
  cache.set(config, m);
}

/** A node given a new identity (`init --force`) belongs to no cluster and desires nothing. */
export function forgetCluster(dataDir: string): void {
  const store = new Store(agentDbPath(dataDir));
  try {
    store.reset();
  } finally {
    store.close();
  }
}

function withStore(config: LoadedConfig, fn: (store: Store) => void): void {
  const store = new Store(agentDbPath(config.files.dataDir));
  try {
    fn(store);
  } finally {
    store.close();
  }
}

function parse(json: string): Membership {
  const raw = JSON.parse(json) as Omit<Membership, "chainId"> & { chainId: string };
  return { ...raw, chainId: BigInt(raw.chainId) };
}

function fromLegacyConfig(config: LoadedConfig, store: Store): Membership | null {
  const { registry, chain_id, genesis_hash, block_period_s, full_nodes_seal } = config.values.cluster;
  if (!registry) return null;
  const m: Membership = { registry, chainId: BigInt(chain_id), genesisHash: genesis_hash, blockPeriodS: block_period_s, fullNodesSeal: full_nodes_seal, endpoints: [] };
  store.setMeta(KEY, JSON.stringify({ ...m, chainId: m.chainId.toString() }));
  process.stderr.write(`note: ${config.path}: [cluster] registry, chain_id and genesis_hash are kept in ${store.path} now; they were copied there, and those lines can be deleted\n`);
  return m;
}
