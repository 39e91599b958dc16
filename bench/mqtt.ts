// MQTT proxy figures, on anvil + one `edge-agent run` daemon (a separate process) with the embedded broker:
//   - messages/s relayed and p50/p99 latency, QoS 0 and 1, with 1, 100 and 1000 connected devices: each device
//     subscribes to its own telemetry topic and publishes to it, so every message goes device → agent's broker →
//     device (and through the agent's telemetry batcher); latency is publish → delivery on the same clock;
//   - the agent's RSS (VmRSS of the daemon process) with 1000 devices connected;
//   - chain transactions per hour for 100 devices: computed from the batch interval, and observed over a short run
//     (100 devices publishing once a second; TelemetryRoot events counted by transaction).
// Usage: bun bench/mqtt.ts [seconds-observed=30]   → prints figures, writes bench/out/mqtt.json
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JsonRpcProvider, id as topicId } from "ethers";
import mqtt, { type MqttClient } from "mqtt";
import { DeviceDirectory, DeviceRegistry } from "../lib/chain";
import { parseConfig } from "../lib/config";
import { updateConfigFile } from "../test/support/config-edit";
import { Contract, type InterfaceAbi } from "ethers";
import { DeviceDirectoryArtifact } from "../lib/chain";
import { requireMembership } from "../lib/cluster/membership";
import { ClusterClient } from "../lib/cluster/client";
import { loadConfig } from "../lib/config";
import { directoryOf } from "../lib/mqtt";
import { newCredential } from "../lib/mqtt/credentials";
import { startAgent } from "../test/support/agents";
import { startAnvil } from "../test/support/anvil";
import { cliOk, initNode, removeTempDirs } from "../test/support/cli";
import { ensureDocker } from "../test/support/dockerd";
import { freePort, waitFor } from "../test/support/ports";

const observeSeconds = Number(process.argv[2] ?? 30);
const BATCH_MS = 5000;
const DEVICES = 1000;

await ensureDocker();
const anvil = await startAnvil();
const node = await initNode("bench-mqtt", anvil.url);
const port = await freePort();
updateConfigFile(node.config, [
  { section: "mqtt", key: "enabled", value: true },
  { section: "mqtt", key: "listen", value: `127.0.0.1:${port}` },
  { section: "mqtt", key: "batch_interval_ms", value: BATCH_MS },
  { section: "mqtt", key: "max_messages_per_second", value: 100_000 },
]);
await cliOk(["cluster", "create", ...node.c]);

// Registering one by one through `device add` waits for each transaction; here the node's key sends all of them
// back to back (explicit nonces) before its daemon starts, so nothing else uses the key meanwhile.
process.stderr.write(`registering ${DEVICES} devices…\n`);
const passwords: string[] = [];
{
  const config = loadConfig(node.config);
  const client = await ClusterClient.open(config);
  const dir = new Contract(directoryOf(client).address, DeviceDirectoryArtifact.abi as unknown as InterfaceAbi, client.wallet);
  let nonce = await client.provider.getTransactionCount(client.address, "pending");
  const sent = [];
  for (let i = 0; i < DEVICES; i++) {
    const cred = newCredential();
    passwords.push(cred.secret);
    sent.push(await dir.getFunction("add")(`dev-${i}`, "bench", [], cred.salt, cred.hash, { nonce: nonce++, gasLimit: 400_000 }));
  }
  await sent.at(-1)!.wait();
  client.destroy();
}
const agent = startAgent(node);
await waitFor("the MQTT proxy", () => /MQTT proxy .* 1000 device/.test(agent.logText()), 60_000);

const clients: MqttClient[] = [];
async function connectUpTo(n: number): Promise<void> {
  for (let i = clients.length; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: `dev-${i + k}`, password: passwords[i + k]!, reconnectPeriod: 0 })));
    clients.push(...batch);
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function relay(n: number, qos: 0 | 1): Promise<{ devices: number; qos: number; messages: number; perSecond: number; p50ms: number; p99ms: number }> {
  await connectUpTo(n);
  const active = clients.slice(0, n);
  const perDevice = Math.max(10, Math.ceil(5000 / n));
  const latencies: number[] = [];
  const topic = (i: number) => `devices/dev-${i}/telemetry/bench`;
  await Promise.all(active.map((c, i) => c.subscribeAsync(topic(i), { qos })));
  let received = 0;
  // Closed loop: each device sends its next message when the previous one came back, so latency is the relay's
  // and not a queue the load generator built up; throughput is what n such devices get through together.
  const t0 = performance.now();
  await Promise.all(active.map(async (c, i) => {
    c.removeAllListeners("message");
    for (let k = 0; k < perDevice; k++) {
      const echoed = new Promise<void>((resolve) => c.once("message", () => resolve()));
      const sentAt = performance.now();
      await c.publishAsync(topic(i), String(k), { qos });
      await Promise.race([echoed, Bun.sleep(10_000)]);
      latencies.push(performance.now() - sentAt);
      received++;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  await Promise.all(active.map((c, i) => c.unsubscribeAsync(topic(i))));
  return { devices: n, qos, messages: received, perSecond: Math.round(received / elapsed), p50ms: +pct(latencies, 50).toFixed(2), p99ms: +pct(latencies, 99).toFixed(2) };
}

const rssMB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${agent.pid}/status`, "utf8"))![1]) / 1024;

// Where the agent's memory goes: idle with the directory loaded, 1000 idle connections, then after the relay runs.
const rssStages: Record<string, number> = { idle: +rssMB().toFixed(1) };
const relayRuns = [];
for (const n of [1, 100, 1000]) {
  if (n === 1000) {
    await connectUpTo(n);
    await Bun.sleep(2000);
    rssStages.connected1000BeforeTraffic = +rssMB().toFixed(1);
  }
  for (const qos of [0, 1] as const) {
    const r = await relay(n, qos);
    relayRuns.push(r);
    console.log(`${String(n).padStart(4)} devices QoS ${qos}: ${r.perSecond} msg/s relayed, p50 ${r.p50ms} ms, p99 ${r.p99ms} ms (${r.messages} messages)`);
  }
}
await Bun.sleep(2000);
const rss1000 = rssMB();
rssStages.connected1000AfterTraffic = +rss1000.toFixed(1);
console.log(`agent RSS with ${clients.length} devices connected: ${rss1000.toFixed(1)} MB (idle ${rssStages.idle} MB; 1000 connected before traffic ${rssStages.connected1000BeforeTraffic} MB)`);

// Chain transactions for 100 devices, each publishing once a second.
for (const c of clients.splice(100)) await c.endAsync(true);
const provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true });
const registry = requireMembership(loadConfig(node.config)).registry;
const directory = new DeviceDirectory((await new DeviceRegistry(registry, provider).links()).deviceDirectory, provider);
await Bun.sleep(BATCH_MS * 2); // let the relay runs' backlog of roots go on chain first
const from = await provider.getBlockNumber();
const ticker = setInterval(() => clients.forEach((c, i) => c.publish(`devices/dev-${i}/telemetry`, "21.5")), 1000);
await Bun.sleep(observeSeconds * 1000);
clearInterval(ticker);
const logs = await provider.getLogs({ address: directory.address, topics: [topicId("TelemetryRoot(bytes32,bytes32,uint32,address)")], fromBlock: from + 1 });
const txs = new Set(logs.map((l) => l.transactionHash)).size;
const observedPerHour = Math.round((txs / observeSeconds) * 3600);
const computed = { benchIntervalMs: BATCH_MS, perHourAtBenchInterval: 3_600_000 / BATCH_MS, perHourAtDefault: 3_600_000 / 60_000 };
console.log(`chain tx/hour for 100 devices: computed ${computed.perHourAtBenchInterval} at a ${BATCH_MS} ms interval (${computed.perHourAtDefault} at the default 60 s); observed ${txs} tx carrying ${logs.length} roots in ${observeSeconds} s → ${observedPerHour}/hour`);

mkdirSync(join(import.meta.dir, "out"), { recursive: true });
writeFileSync(join(import.meta.dir, "out/mqtt.json"), JSON.stringify({ relay: relayRuns, rssMBAt1000: +rss1000.toFixed(1), rssStages, chain: { ...computed, observedSeconds: observeSeconds, observedTx: txs, observedRoots: logs.length, observedPerHour } }, null, 2) + "\n");
for (const c of clients) c.end(true);
provider.destroy();
await agent.stop("SIGTERM");
await anvil.stop();
removeTempDirs();
process.exit(0);
