// The config schema: every key, its type, its default and the one line that documents it.
// The TOML template `edge-agent init` writes is rendered from this, so docs and defaults cannot drift.
import { z } from "zod";
import { ruleSchema, ruleSetIssues } from "../monitor/rules";
import { defaultDataDir } from "./paths";

const url = z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" });
const address = z.union([z.literal(""), z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address")]);
const ethAmount = z.string().regex(/^\d+(\.\d{1,18})?$/, 'expected an amount of ETH as a string, e.g. "1.5"');
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected "host:port"');

export const sections = {
  node: z.strictObject({
    name: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, "expected letters, digits, '.', '_' or '-'").default("edge-node")
      .describe("Name of this node in the cluster; unique among members."),
    labels: z.record(z.string().regex(/^[A-Za-z0-9._/-]+$/), z.string().max(63)).default({})
      .describe('Labels other nodes and apps can select on, e.g. { zone = "barn", sensor = "yes" }.'),
    data_dir: z.string().min(1).default(defaultDataDir())
      .describe("Directory for the keystore, the local database and the control socket."),
  }),
  keys: z.strictObject({
    password_file: z.string().min(1).default("password")
      .describe("File holding the keystore password (relative paths are beside this config); must not be world-readable."),
    scrypt_n: z.number().int().min(1024).max(1 << 20).refine((n) => (n & (n - 1)) === 0, "expected a power of two").default(1 << 14)
      .describe("scrypt cost N for new keystores (power of two); 16384 takes about 0.2 s on a desktop core and about a second on a Pi 4."),
  }),
  operator: z.strictObject({
    keystore: z.string().default("")
      .describe("Operator key (encrypted keystore) the app and operator commands sign with when neither --operator nor EDGE_AGENT_OPERATOR names one (relative paths are beside this config); empty means operator.json in data_dir, where `cluster create` writes the first admin's."),
  }),
  chain: z.strictObject({
    mode: z.enum(["dev", "light", "full"]).default("dev")
      .describe('"dev": a development chain such as anvil (no seal checks); "light": member RPC endpoints; "full": a local geth.'),
    rpc: z.array(url).min(1).default(["http://127.0.0.1:8545"])
      .describe("JSON-RPC endpoints, tried in order."),
    advertise_rpc: z.array(url).default([])
      .describe("RPC URLs this node gives peers and puts in join tokens; empty means the `rpc` list."),
    timeout_ms: z.number().int().min(100).max(120_000).default(5000)
      .describe("Timeout of one JSON-RPC request, in milliseconds."),
    poll_interval_ms: z.number().int().min(100).max(60_000).default(1000)
      .describe("How often the daemon asks the chain for new cluster events (eth_getLogs from its stored cursor)."),
    geth_bin: z.string().min(1).default("geth")
      .describe('Full mode: the geth v1.13.15 binary the agent supervises (a path, or a name on PATH).'),
    geth_p2p_port: z.number().int().min(1).max(65535).default(30303)
      .describe("Full mode: geth's peer-to-peer port (TCP), the one members connect to."),
    geth_http_address: z.union([z.ipv4(), z.ipv6()], { error: "expected an IP address" }).default("127.0.0.1")
      .describe("Full mode: address geth's HTTP JSON-RPC listens on; loopback unless you open it for light members."),
    geth_http_port: z.number().int().min(1).max(65535).default(8545)
      .describe("Full mode: geth's HTTP JSON-RPC port; the agent itself talks to geth here."),
    geth_authrpc_port: z.number().int().min(1).max(65535).default(8551)
      .describe("Full mode: geth's engine API port (unused by Clique; always on loopback, but it needs a free port)."),
    geth_external_ip: z.union([z.literal(""), z.ipv4()], { error: "expected an IPv4 address or \"\"" }).default("")
      .describe('Full mode: the IP members reach this node\'s geth on (goes into its enode); "" means 127.0.0.1.'),
  }),
  cluster: z.strictObject({
    // Legacy (LEGACY_KEYS): agents before 0.2 wrote these three here; now `cluster create` and `join` record the cluster in
    // agent.db, and a config that still has them is read once and copied there.
    registry: address.default("")
      .describe("Legacy: the cluster's DeviceRegistry address, as older agents wrote it here (now kept in agent.db)."),
    chain_id: z.number().int().min(0).default(0)
      .describe("Legacy: the cluster's chain id, as older agents wrote it here (now kept in agent.db)."),
    genesis_hash: z.union([z.literal(""), z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hash")]).default("")
      .describe("Legacy: the cluster chain's genesis hash, as older agents wrote it here (now kept in agent.db)."),
    block_period_s: z.number().int().min(0).max(3600).default(2)
      .describe("Full mode: Clique block period in seconds of a cluster this node creates (0: a block only when there are transactions); joiners take the cluster's."),
    full_nodes_seal: z.boolean().default(true)
      .describe("Full mode: in a cluster this node creates, signers vote every admitted full member in as a Clique signer (carried in join tokens)."),
    join_budget_eth: ethAmount.default("100")
      .describe("ETH `cluster create` moves to the join key, from which joining nodes take their stipend."),
    stipend_eth: ethAmount.default("1")
      .describe("ETH a joining node takes from the join key to pay for its own transactions."),
    resync_interval_ms: z.number().int().min(500).max(600_000).default(5000)
      .describe("The daemon re-reads the whole cluster state and reconciles Docker at least this often."),
    claim_grace_ms: z.number().int().min(0).max(600_000).default(5000)
      .describe("How long a pending replica that the placement plan gives another node waits before this node claims it."),
    heartbeat_interval_ms: z.number().int().min(500).max(600_000).default(3000)
      .describe("The daemon sends one small heartbeat transaction this often (the only steady-state transaction)."),
    liveness_grace_ms: z.number().int().min(2000).max(3_600_000).default(10_000)
      .describe("A member silent this long counts as lost and its replicas move (fixed for the cluster by `cluster create`)."),
    solver_timeout_blocks: z.number().int().min(1).max(10_000).default(10)
      .describe("Blocks the designated solver of a migration has to confirm before the next candidate may (set by `cluster create`)."),
    event_timeout_blocks: z.number().int().min(2).max(100_000).default(60)
      .describe("Blocks after which an unconfirmed migration expires and may be filed again (set by `cluster create`)."),
  }),
  monitor: z.strictObject({
    interval_ms: z.number().int().min(50).max(3_600_000).default(1000)
      .describe("Sampling period T of the monitor loop, in milliseconds."),
    window: z.number().int().min(1).max(1000).default(10)
      .describe("Number S of previous samples kept for rule windows."),
    rules: z.array(ruleSchema).default([])
      .describe("Rules checked on every sample; write each as a [[monitor.rules]] table (then delete this line) with name, metric, comparator, bound, action and optional unit, window, cooldown_ms.")
  }).superRefine((monitor, ctx) => {
    for (const issue of ruleSetIssues(monitor.rules, monitor.window)) ctx.addIssue({ code: "custom", path: ["rules", issue.index, issue.key], message: issue.message });
  }),
  docker: z.strictObject({
    socket: z.string().min(1).default("/var/run/docker.sock")
      .describe("Docker Engine API socket."),
    registries: z.array(z.string().min(1)).default([])
      .describe("Image registries to pull from, in order; empty means the engine's default."),
    publish_address: z.union([z.ipv4(), z.ipv6()], { error: "expected an IP address" }).default("0.0.0.0")
      .describe("Host address app ports are published on (0.0.0.0: every interface)."),
  }),
  mqtt: z.strictObject({
    enabled: z.boolean().default(false)
      .describe("Run the MQTT device proxy."),
    mode: z.enum(["embedded", "bridge"]).default("embedded")
      .describe('"embedded": the agent is the broker devices connect to; "bridge": the agent attaches to the site\'s broker at bridge_url.'),
    listen: hostPort.default("127.0.0.1:1883")
      .describe("Address the embedded broker listens on; loopback unless you open it on purpose (containers need the Docker bridge gateway, e.g. 172.17.0.1:1883)."),
    tls_cert: z.string().default("")
      .describe("PEM certificate file for MQTT over TLS on `listen`; empty means plain TCP."),
    tls_key: z.string().default("")
      .describe("PEM private key file for tls_cert (must not be world-readable)."),
    bridge_url: z.string().regex(/^(mqtts?:\/\/\S+)?$/, "expected an mqtt:// or mqtts:// URL").default("")
      .describe('Broker the agent attaches to in bridge mode, e.g. "mqtt://127.0.0.1:1883".'),
    bridge_username: z.string().default("")
      .describe("User name the agent logs in with on the bridged broker (empty: anonymous)."),
    bridge_password_file: z.string().default("")
      .describe("File holding the bridged broker's password (relative paths are beside this config)."),
    container_url: z.string().regex(/^(mqtts?:\/\/\S+)?$/, "expected an mqtt:// or mqtts:// URL").default("")
      .describe('Broker URL given to containers as EDGE_MQTT_URL, e.g. "mqtt://172.17.0.1:1883" (listen must cover it); empty: containers get none.'),
    max_payload_bytes: z.number().int().min(16).max(1 << 20).default(16_384)
      .describe("A device or app publishing a larger payload is disconnected."),
    max_messages_per_second: z.number().int().min(1).max(100_000).default(100)
      .describe("Per-connection publish rate (bursts of twice this pass); a client above it is disconnected."),
    batch_interval_ms: z.number().int().min(1000).max(86_400_000).default(60_000)
      .describe("Every interval the agent records one Merkle root per device it relayed telemetry for, all in one transaction."),
    sync_interval_ms: z.number().int().min(100).max(600_000).default(2000)
      .describe("How often the agent checks the device directory on chain for new devices, revocations and desired twins."),
    telemetry_retention_ms: z.number().int().min(1000).default(30 * 86_400_000)
      .describe("Relayed messages (and so `device proof`) are kept this long in mqtt.db; older batches are pruned by the maintenance timer, their roots stay on chain."),
  }),
  api: z.strictObject({
    socket: z.string().default("")
      .describe("Control socket path (mode 0600); empty means agent.sock in data_dir."),
  }),
  service: z.strictObject({
    stuck_after_ms: z.number().int().min(1000).max(3_600_000).default(600_000)
      .describe("Under systemd, the daemon stops its watchdog pings (so systemd restarts it) when its reconcile loop makes no progress this long; image pulls count as one pass."),
    maintenance_interval_ms: z.number().int().min(60_000).max(86_400_000).default(3_600_000)
      .describe("How often the daemon removes dangling images, checkpoints and optimises its SQLite database and re-tightens secret-file permissions."),
  }),
};

/** Keys still accepted for old configs but no longer written by `init` (see the [cluster] section above). */
export const LEGACY_KEYS: Partial<Record<SectionName, readonly string[]>> = { cluster: ["registry", "chain_id", "genesis_hash"] };

export const configSchema = z.strictObject({
  node: sections.node.prefault({}),
  keys: sections.keys.prefault({}),
  operator: sections.operator.prefault({}),
  chain: sections.chain.prefault({}),
  cluster: sections.cluster.prefault({}),
  monitor: sections.monitor.prefault({}),
  docker: sections.docker.prefault({}),
  mqtt: sections.mqtt.prefault({}),
  api: sections.api.prefault({}),
  service: sections.service.prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type SectionName = keyof typeof sections;
