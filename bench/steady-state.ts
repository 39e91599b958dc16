// Transactions per minute in steady state: three `edge-agent run` daemons (from source) on anvil (automine) + dockerd,
// an app of 3 replicas deployed and running, no monitor rule, nobody lost. Counts every transaction mined in a
// 60 s window, by contract (`to`) and function (4-byte selector), for heartbeat_interval_ms = 3000 (the default)
// and 10000. Expected: heartbeats only, ≈ 3 nodes × 60 s / interval.
// Usage: bun bench/steady-state.ts [windowSeconds=60]   → prints tables, writes bench/out/steady-state.json
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Interface, JsonRpcProvider, getAddress, type Block, type InterfaceAbi } from "ethers";
import { AppRegistry, DeviceRegistry } from "../lib/chain";
import { AppRegistryArtifact, DeviceRegistryArtifact, EventLoggerArtifact, ReputationArtifact } from "../lib/chain";
import { requireMembership } from "../lib/cluster/membership";
import { loadConfig } from "../lib/config";
import { updateConfigFile } from "../test/support/config-edit";
import { removeContainersOf, startAgent, usePublishAddress, type RunningAgent } from "../test/support/agents";
import { startAnvil } from "../test/support/anvil";
import { cliOk, initNode, removeTempDirs, type TestNode } from "../test/support/cli";
import { ensureDocker } from "../test/support/dockerd";
import { TEST_IMAGE, ensureTestImage } from "../test/support/images";
import { freePort, waitFor } from "../test/support/ports";

const WINDOW_S = Number(process.argv[2] ?? 60);
const INTERVALS = [3000, 10_000];
// Fixed for the cluster at `cluster create`: long enough that a node beating every 10 s never looks lost (at the
// default 10 s grace a 10 s heartbeat would let members flicker dead and trigger rescues).
const LIVENESS_GRACE_MS = 30_000;
const ip = (i: number) => `127.0.0.${41 + i}`;

const docker = await ensureDocker();
await ensureTestImage(docker);
const anvil = await startAnvil();
const provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
const nodes: TestNode[] = [];
let agents: RunningAgent[] = [];

async function cleanup() {
  for (const a of agents) await a.stop().catch(() => {});
  agents = [];
  await removeContainersOf(docker, nodes).catch(() => {});
  provider.destroy();
  await anvil.stop();
  removeTempDirs();
}

type Kind = { kind: "heartbeat" | "other"; contract: string; fn: string; selector: string; count: number };
type Run = { heartbeatIntervalMs: number; fromBlock: number; toBlock: number; seconds: number; transactions: number; perMinute: number; heartbeats: number; heartbeatsPerMinute: number; expectedPerMinute: number; other: number; byKind: Kind[]; heartbeatsByNode: Record<string, number>; medianGapSeconds: number | null; heartbeatFailures: number };

try {
  let token = "";
  for (const [i, name] of ["ss-a", "ss-b", "ss-c"].entries()) {
    const node = await initNode(name, anvil.url);
    usePublishAddress(node, ip(i));
    updateConfigFile(node.config, [
      { section: "cluster", key: "liveness_grace_ms", value: LIVENESS_GRACE_MS },
      { section: "cluster", key: "heartbeat_interval_ms", value: INTERVALS[0]! },
    ]);
    if (i === 0) token = (await cliOk(["cluster", "create", ...node.c])).stdout.trim();
    else await cliOk(["join", "--cluster", token, ...node.c]);
    nodes.push(node);
  }
  const registryAddress = requireMembership(loadConfig(nodes[0]!.config)).registry;
  const links = await new DeviceRegistry(registryAddress, provider).links();
  const apps = new AppRegistry(links.apps, provider);

  // Who is who: contract by address, function by selector, node name by sender.
  const contracts = new Map<string, { name: string; iface: Interface }>([
    [getAddress(registryAddress), { name: "DeviceRegistry", iface: new Interface(DeviceRegistryArtifact.abi as unknown as InterfaceAbi) }],
    [getAddress(links.apps), { name: "AppRegistry", iface: new Interface(AppRegistryArtifact.abi as unknown as InterfaceAbi) }],
    [getAddress(links.events), { name: "EventLogger", iface: new Interface(EventLoggerArtifact.abi as unknown as InterfaceAbi) }],
    [getAddress(links.reputation), { name: "Reputation", iface: new Interface(ReputationArtifact.abi as unknown as InterfaceAbi) }],
  ]);
  const nameOf = new Map(nodes.map((n) => [getAddress(n.address), n.name]));

  async function window(interval: number): Promise<Run> {
    const fromBlock = await provider.getBlockNumber();
    const t0 = Date.now();
    await Bun.sleep(WINDOW_S * 1000);
    const toBlock = await provider.getBlockNumber();
    const seconds = (Date.now() - t0) / 1000;
    const kinds = new Map<string, Kind>();
    const heartbeatsByNode: Record<string, number> = Object.fromEntries(nodes.map((n) => [n.name, 0]));
    const beatTimes: Record<string, number[]> = {};
    let transactions = 0;
    for (let n = fromBlock + 1; n <= toBlock; n++) {
      const block: Block = (await provider.getBlock(n, true))!;
      for (const tx of block.prefetchedTransactions) {
        transactions++;
        const to = tx.to ? getAddress(tx.to) : null;
        const contract = to ? contracts.get(to) : undefined;
        const selector = tx.data.slice(0, 10);
        const fn = contract?.iface.getFunction(selector)?.name ?? (to ? (tx.data === "0x" ? "(transfer)" : "(unknown)") : "(create)");
        const kind = contract?.name === "DeviceRegistry" && fn === "heartbeat" ? "heartbeat" : "other";
        const key = `${to}/${selector}`;
        const entry = kinds.get(key) ?? { kind, contract: contract?.name ?? to ?? "-", fn, selector, count: 0 };
        entry.count++;
        kinds.set(key, entry);
        if (kind === "heartbeat") {
          const who = nameOf.get(getAddress(tx.from)) ?? tx.from;
          heartbeatsByNode[who] = (heartbeatsByNode[who] ?? 0) + 1;
          (beatTimes[who] ??= []).push(block.timestamp);
        }
      }
    }
    const gaps = Object.values(beatTimes).flatMap((ts) => ts.slice(1).map((t, i) => t - ts[i]!)).sort((a, b) => a - b);
    const medianGapSeconds = gaps[Math.floor(gaps.length / 2)] ?? null;
    const byKind = [...kinds.values()].sort((a, b) => b.count - a.count);
    const heartbeats = byKind.filter((k) => k.kind === "heartbeat").reduce((a, k) => a + k.count, 0);
    const perMinute = (x: number) => Math.round((x * 600) / seconds) / 10;
    return {
      heartbeatIntervalMs: interval, fromBlock, toBlock, seconds: Math.round(seconds * 10) / 10,
      transactions, perMinute: perMinute(transactions), heartbeats, heartbeatsPerMinute: perMinute(heartbeats),
      expectedPerMinute: (nodes.length * 60_000) / interval, other: transactions - heartbeats, byKind, heartbeatsByNode,
      medianGapSeconds, heartbeatFailures: agents.reduce((a, ag) => a + (ag.logText().match(/heartbeat failed/g)?.length ?? 0), 0),
    };
  }

  const runs: Run[] = [];
  for (const [k, interval] of INTERVALS.entries()) {
    for (const node of nodes) updateConfigFile(node.config, [{ section: "cluster", key: "heartbeat_interval_ms", value: interval }]);
    agents = nodes.map((node) => startAgent(node));
    if (k === 0) {
      const port = await freePort();
      await cliOk(["app", "deploy", "web", "--image", TEST_IMAGE, "--replicas", "3", "--spread", "--port", `${port}:80`, ...nodes[0]!.c]);
      await waitFor("every replica reported running on chain", async () => (await apps.snapshot()).find((a) => a.name === "web")?.replicas.every((r) => r.state === "running") === true, 60_000);
    }
    // Settle: the agents' first passes (after a restart they find everything as the chain has it) and heartbeats.
    await Bun.sleep(Math.max(6000, interval + 2000));
    const snapshot = (await apps.snapshot()).find((a) => a.name === "web")!;
    if (!snapshot.replicas.every((r) => r.state === "running" && r.node)) throw new Error(`the app is not running everywhere: ${JSON.stringify(snapshot.replicas)}`);
    process.stderr.write(`• heartbeat_interval_ms = ${interval}: counting transactions for ${WINDOW_S} s…\n`);
    const run = await window(interval);
    runs.push(run);
    for (const a of agents) await a.stop();
    agents = [];
    const after = (await apps.snapshot()).find((a) => a.name === "web")!;
    if (!after.replicas.every((r) => r.state === "running" && r.node)) throw new Error(`the app stopped running during the window: ${JSON.stringify(after.replicas)}`);
  }

  console.log(`\nsteady state: 3 agents, one app with 3 replicas running, no rule, anvil automine; transactions mined in ${WINDOW_S} s`);
  console.table(runs.map((r) => ({
    "heartbeat_interval_ms": r.heartbeatIntervalMs, seconds: r.seconds, blocks: r.toBlock - r.fromBlock, transactions: r.transactions,
    heartbeats: r.heartbeats, other: r.other, "tx/min": r.perMinute, "expected heartbeats/min": r.expectedPerMinute,
    "per node": Object.values(r.heartbeatsByNode).join(" / "), "median s between a node's beats": r.medianGapSeconds, "failed beats (agent logs)": r.heartbeatFailures,
  })));
  for (const r of runs) {
    if (r.heartbeatsPerMinute < 0.9 * r.expectedPerMinute) {
      console.log(`note: at ${r.heartbeatIntervalMs} ms only ${r.heartbeatsPerMinute} heartbeats/min of ${r.expectedPerMinute}: the agent skips a tick while its previous heartbeat is not yet mined (or the chain is marked offline), so a slow confirmation lengthens the gap to a whole number of intervals`);
    }
    console.log(`by kind, heartbeat_interval_ms = ${r.heartbeatIntervalMs}:`);
    console.table(r.byKind.map((k) => ({ kind: k.kind, contract: k.contract, function: k.fn, selector: k.selector, count: k.count })));
  }
  mkdirSync(join(import.meta.dir, "out"), { recursive: true });
  writeFileSync(join(import.meta.dir, "out", "steady-state.json"), JSON.stringify({ date: new Date().toISOString(), windowSeconds: WINDOW_S, livenessGraceMs: LIVENESS_GRACE_MS, runs }, null, 2));
} catch (err) {
  for (const a of agents) process.stderr.write(`--- ${a.log} (last lines)\n${a.logText().trim().split("\n").slice(-15).join("\n")}\n`);
  throw err;
} finally {
  await cleanup();
}
