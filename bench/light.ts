// Light-mode figures. (1) Headers verified per second: the light client syncs N Clique headers (3 signers in turn,
// sealed with @ethereumjs/block and served over JSON-RPC by test/support/clique-chain.ts, since a real 1 s geth chain
// makes only one block a second) through the real path: batch fetch, re-hash, seal recovery, snapshot rules, SQLite.
// (2) Cost of one verified state read against a real geth v1.13.15 Clique signer: the cluster state (members + apps,
// what ClusterClient.state() reads) and one eth_call (DeviceRegistry.links), verified at a new block (cold) and again
// at the same block (warm), next to the same reads unverified. (3) RSS of `edge-agent run` (compiled x64 binary) in
// light mode next to dev mode on the same geth, and geth's own RSS.
// Usage: bun bench/light.ts [headers=5000] [samples=9]   → prints figures, writes bench/out/light.json
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bytesToHex } from "@ethereumjs/util";
import { JsonRpcProvider, Wallet, type Provider } from "ethers";
import { AppRegistry, DeviceRegistry } from "../lib/chain";
import { LightClient, LightProvider } from "../lib/light";
import { build } from "../scripts/build";
import { startAgent, type RunningAgent } from "../test/support/agents";
import { cliOk, initNode, removeTempDirs, tempDir } from "../test/support/cli";
import { cliqueChain, serveChain } from "../test/support/clique-chain";
import { ensureDocker } from "../test/support/dockerd";
import { startGethSigner } from "../test/support/geth";
import { freePort, waitFor } from "../test/support/ports";

const HEADERS = Number(process.argv[2] ?? 5000);
const SAMPLES = Number(process.argv[3] ?? 9);
const BINARY = [join(import.meta.dir, "../dist/edge-agent-linux-x64")];
await build(["x64"]); // this checkout's code, light client included
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// (1) A synthetic Clique chain of HEADERS blocks after a genesis listing three signers, sealed in turn.
const chainId = 4343n;
const synthetic = cliqueChain(chainId, HEADERS);
const generated = performance.now();
const chain = synthetic.extend([synthetic.genesis], HEADERS, true);
console.log(`sealed ${HEADERS} synthetic Clique headers in ${((performance.now() - generated) / 1000).toFixed(1)} s`);
const server = await serveChain(chainId, () => chain);
const client = new LightClient({ endpoints: [server.url], chainId, genesisHash: bytesToHex(chain[0]!.hash()), storePath: join(tempDir(), "light.sqlite"), timeoutMs: 30_000 });
const t0 = performance.now();
const head = await client.sync();
const syncS = (performance.now() - t0) / 1000;
if (head.header.number !== BigInt(HEADERS)) throw new Error(`synced to ${head.header.number}, not ${HEADERS}`);
const headersPerSecond = Math.round(HEADERS / syncS);
console.log(`headers verified: ${HEADERS} in ${syncS.toFixed(2)} s = ${headersPerSecond} headers/s (hash, Clique seal, signer set, parent link, stored)`);
client.close();
server.stop();

// (2) Verified reads against a real geth Clique signer holding a cluster with two apps.
await ensureDocker(); // the agents of (3) reconcile Docker
const geth = await startGethSigner({ periodSeconds: 1, key: new Wallet(Wallet.createRandom().privateKey) });
const agents: RunningAgent[] = [];
try {
  const creator = await initNode("creator", geth.url);
  const { registry, token } = JSON.parse((await cliOk(["cluster", "create", "--json", ...creator.c])).stdout) as { registry: string; token: string };
  for (const app of ["web", "db"]) await cliOk(["app", "deploy", app, "--image", "busybox:bench", "--replicas", "3", "--port", `${await freePort()}:80`, ...creator.c]);
  const plain = new JsonRpcProvider(geth.url, Number(geth.params.chainId), { staticNetwork: true, cacheTimeout: -1 });
  const light = new LightProvider({ endpoints: [geth.url], chainId: geth.params.chainId, genesisHash: geth.genesisHash, storePath: join(tempDir(), "light.sqlite"), timeoutMs: 5000, freshMs: 0 });
  await light.light.sync();
  const appsAddress = (await new DeviceRegistry(registry, plain).links()).apps;
  const clusterState = async (p: Provider) => {
    const block = await p.getBlockNumber();
    await Promise.all([new DeviceRegistry(registry, p).nodes(block), new AppRegistry(appsAddress, p).snapshot(block)]);
  };
  const oneCall = (p: Provider) => new DeviceRegistry(registry, p).links();
  const timed = async (f: () => Promise<unknown>) => { const t = performance.now(); await f(); return performance.now() - t; };
  const nextBlock = async () => { const n = await plain.getBlockNumber(); await waitFor("a new block", async () => (await plain.getBlockNumber()) > n, 5000); };
  const samples: Record<string, number[]> = { stateUnverified: [], stateVerifiedCold: [], stateVerifiedWarm: [], callUnverified: [], callVerifiedCold: [] };
  for (let i = 0; i < SAMPLES; i++) {
    await nextBlock();
    samples.stateVerifiedCold!.push(await timed(() => clusterState(light)));
    samples.stateVerifiedWarm!.push(await timed(() => clusterState(light)));
    samples.stateUnverified!.push(await timed(() => clusterState(plain)));
    await nextBlock();
    samples.callVerifiedCold!.push(await timed(() => oneCall(light)));
    samples.callUnverified!.push(await timed(() => oneCall(plain)));
  }
  const reads = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Number(median(v).toFixed(1))]));
  console.log(`cluster state (1 member, 2 apps × 3 replicas), median ms: verified at a new block ${reads.stateVerifiedCold}, verified again at that block ${reads.stateVerifiedWarm}, unverified ${reads.stateUnverified}`);
  console.log(`one eth_call (DeviceRegistry.links), median ms: verified at a new block ${reads.callVerifiedCold}, unverified ${reads.callUnverified}`);
  light.destroy();
  plain.destroy();

  // (3) RSS: a light agent and a dev agent on the same geth, compiled binary, after 20 s of running.
  const lightNode = await initNode("light", geth.url);
  lightNode.address = (await cliOk(["init", "--force", "--name", "light", "--config", lightNode.config, "--data-dir", join(lightNode.dir, "data"), "--chain-mode", "light", "--rpc", geth.url, "--scrypt-n", "1024"])).stdout.trim();
  await cliOk(["join", "--cluster", token, ...lightNode.c]);
  agents.push(startAgent(creator, BINARY), startAgent(lightNode, BINARY));
  await Bun.sleep(20_000);
  const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
  const gethPid = Number((await Bun.$`pgrep -f -- ${"--datadir " + geth.datadir}`.text()).trim().split("\n")[0]);
  const rss = { lightAgentMiB: +(rssKiB(agents[1]!.pid) / 1024).toFixed(1), devAgentMiB: +(rssKiB(agents[0]!.pid) / 1024).toFixed(1), gethMiB: +(rssKiB(gethPid) / 1024).toFixed(1) };
  if (!agents[1]!.logText().includes("desired state")) console.log(`(light agent log tail: ${agents[1]!.logText().slice(-400)})`);
  console.log(`RSS after 20 s of \`run\` (compiled x64): light agent ${rss.lightAgentMiB} MiB, dev agent ${rss.devAgentMiB} MiB (agent processes only); geth ${rss.gethMiB} MiB`);

  mkdirSync(join(import.meta.dir, "out"), { recursive: true });
  writeFileSync(join(import.meta.dir, "out", "light.json"), JSON.stringify({ date: new Date().toISOString(), headers: HEADERS, syncSeconds: +syncS.toFixed(2), headersPerSecond, samples: SAMPLES, medianMs: reads, rss }, null, 2));
} finally {
  for (const a of agents) await a.stop().catch(() => {});
  await geth.stop();
  removeTempDirs();
}
