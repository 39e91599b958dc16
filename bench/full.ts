// Full mode (geth v1.13.15, Clique) figures. Usage: bun bench/full.ts [blocks=10000] [runs=3]
//   → prints them, writes bench/out/full.json (FULL_BENCH_ONLY=sync or =migration runs one part and keeps the other's
//   figures from the last full.json)
// 1. join + sync: a one-node full cluster with block period 0 (a block per transaction) is grown to `blocks` blocks
//    by sending one 1-wei transfer per block, each waiting for its block; then a new full node runs `edge-agent join`
//    (geth init, peering, full sync of every block, stipend, registration), timed to "synced" and to the end.
// 2. RSS after 30 s of `run` on both nodes: the agent process and its geth, separately.
// 3. migration latency by phase with 1 s Clique blocks: three full nodes, each in its own network namespace, the
//    method of bench/migration.ts (which gives the anvil figures printed beside it when bench/out/migration.json exists).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JsonRpcProvider, Network, Wallet, parseEther } from "ethers";
import { loadConfig } from "../lib/config";
import { superviseGeth } from "../lib/geth";
import { requireMembership } from "../lib/cluster/membership";
import { readPassword, unlockKeystore } from "../lib/keys";
import { build } from "../scripts/build";
import { startAgent } from "../test/support/agents";
import { cliOk, removeTempDirs, tempDir, type TestNode } from "../test/support/cli";
import { ensureDocker } from "../test/support/dockerd";
import { initLoopbackFullNode, startFullCluster } from "../test/support/full-cluster";
import { TEST_IMAGE, ensureTestImage } from "../test/support/images";
import { freePort } from "../test/support/ports";
import { measureMigrations, medians } from "./migration-phases";

const BLOCKS = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 3);
const BINARY = [join(import.meta.dir, "../dist/edge-agent-linux-x64")];
await build(["x64"]);
const root = tempDir();

const fullNode = (name: string, period: number) =>
  initLoopbackFullNode(name, root, period, [{ section: "cluster", key: "heartbeat_interval_ms", value: 3000 }]);

const rssKB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
const gethPid = async (node: TestNode) => Number((await Bun.$`pgrep -f -- ${`--datadir ${node.dir}/data/geth `}`.text()).trim().split("\n")[0]);

const only = process.env.FULL_BENCH_ONLY;
const outFile = join(import.meta.dir, "out", "full.json");
const previous = existsSync(outFile) ? JSON.parse(readFileSync(outFile, "utf8")) : {};
const sync = only === "migration" ? previous.sync : await syncBench();
const migration = only === "sync" ? previous.migration : await migrationBench();

async function syncBench() {
  // 1. Grow a chain to BLOCKS blocks, then time a join.
  const creator = await fullNode("origin", 0);
  const token = (await cliOk(["cluster", "create", ...creator.c], { command: BINARY })).stdout.trim();
  const config = loadConfig(creator.config);
  const key = await unlockKeystore(config.files.keystore, readPassword(config.files.passwordFile));
  const membership = requireMembership(config);
  const supervisor = superviseGeth(config, key.address, { chainId: membership.chainId, seal: membership.fullNodesSeal });
  await supervisor.start();
  const url = `http://127.0.0.1:${config.values.chain.geth_http_port}`;
  const provider = new JsonRpcProvider(url, Network.from(membership.chainId), { staticNetwork: true });
  const filler = new Wallet(Wallet.createRandom().privateKey, provider);
  await (await key.connect(provider).sendTransaction({ to: filler.address, value: parseEther("10") })).wait();
  const rpc = async (method: string, params: unknown[]) => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    const body = (await res.json()) as { result?: string; error?: { message: string } };
    if (body.error) throw new Error(body.error.message);
    return body.result!;
  };
  let height = Number(await rpc("eth_blockNumber", []));
  const chainId = membership.chainId;
  const fillStart = Date.now();
  for (let nonce = 0; height < BLOCKS; nonce++) {
    const raw = await filler.signTransaction({ to: filler.address, value: 1n, nonce, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, chainId, type: 2 });
    await rpc("eth_sendRawTransaction", [raw]);
    const target = height + 1;
    while ((height = Number(await rpc("eth_blockNumber", []))) < target) await Bun.sleep(1);
    if (height % 2000 === 0) console.log(`chain at block ${height} (${Math.round((Date.now() - fillStart) / 1000)} s)`);
  }
  const fillSeconds = (Date.now() - fillStart) / 1000;
  provider.destroy();
  await supervisor.stop();
  console.log(`grew the chain to ${height} blocks in ${fillSeconds.toFixed(0)} s (one transfer per block, period 0)`);

  const creatorAgent = startAgent(creator, BINARY);
  await Bun.sleep(3000);
  const joiner = await fullNode("newcomer", 0);
  const t0 = Date.now();
  const proc = Bun.spawn([...BINARY, "join", "--cluster", token, ...joiner.c], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  let syncedMs = NaN;
  let stderr = "";
  const reader = (async () => {
    for await (const chunk of proc.stderr) {
      stderr += new TextDecoder().decode(chunk);
      if (Number.isNaN(syncedMs) && stderr.includes("synced to block")) syncedMs = Date.now() - t0;
    }
  })();
  const code = await proc.exited;
  await reader;
  const joinMs = Date.now() - t0;
  if (code !== 0) throw new Error(`join failed:\n${stderr}`);
  const syncedTo = Number(/synced to block (\d+)/.exec(stderr)![1]);
  console.log(`join of a new full node: synced ${syncedTo} blocks in ${(syncedMs / 1000).toFixed(1)} s, whole join ${(joinMs / 1000).toFixed(1)} s`);

  // 2. RSS after 30 s of run.
  const joinerAgent = startAgent(joiner, BINARY);
  await Bun.sleep(30_000);
  const rss = await Promise.all([[creator, creatorAgent], [joiner, joinerAgent]].map(async ([node, agent]) => ({
    node: (node as TestNode).name,
    agentMB: rssKB((agent as { pid: number }).pid) / 1024,
    gethMB: rssKB(await gethPid(node as TestNode)) / 1024,
  })));
  for (const r of rss) console.log(`RSS ${r.node}: agent ${r.agentMB.toFixed(1)} MB, geth ${r.gethMB.toFixed(1)} MB`);
  await creatorAgent.stop();
  await joinerAgent.stop();
  removeTempDirs();
  return { blocks: syncedTo, fillSeconds, syncedMs, joinMs, rss };
}

async function migrationBench() {
  // 3. Migration latency with 1 s Clique blocks.
  const docker = await ensureDocker();
  await ensureTestImage(docker);
  const cluster = await startFullCluster({
    full: ["gbench-a", "gbench-b", "gbench-c"],
    ipBase: 71,
    periodSeconds: 1,
    agent: BINARY,
    settings: [
      { section: "cluster", key: "liveness_grace_ms", value: 10_000 },
      { section: "cluster", key: "resync_interval_ms", value: 1000 },
      { section: "monitor", key: "interval_ms", value: 250 },
      { section: "monitor", key: "window", value: 4 },
    ],
  });
  try {
    const port = await freePort();
    await cliOk(["app", "deploy", "web", "--image", TEST_IMAGE, "--replicas", "2", "--spread", "--port", `${port}:80`, "--wait", ...cluster.nodes[0]!.c], { command: cluster.command(0) });
    const runs = await measureMigrations(docker, cluster, port, RUNS, "clique 1 s");
    return { runs, medians: medians(runs) };
  } finally {
    await cluster.stop(docker);
  }
}

const anvilFile = join(import.meta.dir, "out", "migration.json");
const anvil = existsSync(anvilFile) ? (JSON.parse(readFileSync(anvilFile, "utf8")).results as { label: string; medians: object }[]) : [];
console.log(`\nmigration latency by phase, median of ${RUNS} runs (ms after the rule was loaded):`);
if (sync) console.log(`join + sync of ${sync.blocks} blocks: synced in ${(sync.syncedMs / 1000).toFixed(1)} s, whole join ${(sync.joinMs / 1000).toFixed(1)} s; RSS ${sync.rss.map((r: { node: string; agentMB: number; gethMB: number }) => `${r.node}: agent ${r.agentMB.toFixed(0)} MB, geth ${r.gethMB.toFixed(0)} MB`).join("; ")}`);
console.table(Object.fromEntries([["geth clique 1 s", migration.medians], ...anvil.map((r) => [`anvil ${r.label}`, r.medians])]));

mkdirSync(join(import.meta.dir, "out"), { recursive: true });
writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), sync, migration }, null, 2));
