// A light agent behind a lying endpoint: a small proxy (Bun.serve) forwards JSON-RPC to a real geth Clique signer and
// alters eth_getProof answers (values, or proofs of another block), header answers, or logs (alone, or with the
// receipts made to match). The light client rejects each
// altered answer, logs it with the endpoint, fails over to the honest geth, and shows only honest values; with the liar
// as its only endpoint it refuses to answer rather than act on altered state.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Wallet } from "ethers";
import { DeviceRegistry, connectChain } from "../lib/chain";
import { LightProvider } from "../lib/light";
import { rpcCall } from "../lib/light/rpc";
import { cli, cliOk, clusterOf, initNode, oneLineError, removeTempDirs, tempDir, type TestNode } from "./support/cli";
import { containersOf, httpBody, removeContainersOf, startAgent, usePublishAddress } from "./support/agents";
import { ensureDocker } from "./support/dockerd";
import { startGeth, startGethSigner, type TestGeth } from "./support/geth";
import { TEST_IMAGE, TEST_INDEX_HTML, ensureTestImage } from "./support/images";
import { freePort, waitFor } from "./support/ports";

type Lie = "honest" | "proof-values" | "stale-proofs" | "headers" | "logs" | "logs-and-receipts";
type Proxy = { url: string; lie: Lie; altered: number; stop(): void };

/** Forwards every JSON-RPC call to `upstream`, altering answers according to `proxy.lie`. */
async function startLyingProxy(upstream: string, lie: Lie): Promise<Proxy> {
  const port = await freePort();
  const proxy: Proxy = { url: `http://127.0.0.1:${port}`, lie, altered: 0, stop: () => server.stop(true) };
  const forward = async (body: unknown) =>
    (await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json() as Promise<any>;
  const alter = async (call: any, reply: any): Promise<any> => {
    if (proxy.lie === "proof-values" && call.method === "eth_getProof" && reply.result) {
      proxy.altered++;
      for (const s of reply.result.storageProof) s.value = "0x" + (BigInt(s.value) + 1n).toString(16);
      reply.result.balance = "0x" + (BigInt(reply.result.balance) + 10n ** 18n).toString(16);
    }
    if (proxy.lie === "stale-proofs" && call.method === "eth_getProof" && reply.result) {
      // A genuine proof, of block 1 instead of the block asked for: valid in itself, bound to another state root.
      const stale = await forward({ jsonrpc: "2.0", id: call.id, method: "eth_getProof", params: [call.params[0], call.params[1], "0x1"] });
      if (stale.result && stale.result.accountProof.join() !== reply.result.accountProof.join()) {
        proxy.altered++;
        return stale;
      }
    }
    if ((proxy.lie === "logs" || proxy.lie === "logs-and-receipts") && call.method === "eth_getLogs" && reply.result?.length > 0) {
      proxy.altered++;
      reply.result[0].data = "0x" + "ee".repeat(32);
    }
    if (proxy.lie === "logs-and-receipts" && call.method === "eth_getBlockReceipts" && reply.result) {
      // The same forged log inside the receipts too: consistent with the logs, but not with the receipts root.
      for (const r of reply.result) for (const l of r.logs) l.data = "0x" + "ee".repeat(32);
    }
    if (proxy.lie === "headers" && call.method === "eth_getBlockByNumber" && reply.result && reply.result.number !== "0x0") {
      proxy.altered++;
      reply.result.stateRoot = "0x" + "5a".repeat(32);
    }
    return reply;
  };
  const server = Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = (await req.json()) as any;
      const reply = await forward(body);
      const out = Array.isArray(body) ? await Promise.all(body.map((c: any, i: number) => alter(c, reply[i]))) : await alter(body, reply);
      return Response.json(out);
    },
  });
  return proxy;
}

let chain: TestGeth;
let creator: TestNode;
let registry: string;
let token: string;
const proxies: Proxy[] = [];
const lying = async (lie: Lie) => {
  const p = await startLyingProxy(chain.url, lie);
  proxies.push(p);
  return p;
};

beforeAll(async () => {
  // One geth Clique signer (1 s blocks); the cluster is created on it by a dev-mode node, whose funding comes from
  // geth's unlocked signer account.
  chain = await startGethSigner({ periodSeconds: 1, key: new Wallet(Wallet.createRandom().privateKey) });
  creator = await initNode("creator", chain.url);
  const created = await cliOk(["cluster", "create", "--json", ...creator.c]);
  ({ registry, token } = JSON.parse(created.stdout) as { registry: string; token: string });
});
afterAll(async () => {
  for (const p of proxies) p.stop();
  await chain?.stop();
  removeTempDirs();
});

const lightOptions = (endpoints: string[], log?: (l: string) => void) => ({
  endpoints, chainId: chain.params.chainId, genesisHash: chain.genesisHash, storePath: join(tempDir(), "light.sqlite"), timeoutMs: 3000, freshMs: 0, log,
});

for (const lie of ["proof-values", "stale-proofs", "headers", "logs", "logs-and-receipts"] as const) {
  test(`altered answers (${lie}) are rejected and logged; reads fail over to the honest endpoint and match geth's`, async () => {
    const proxy = await lying(lie);
    const logged: string[] = [];
    const light = new LightProvider(lightOptions([proxy.url, chain.url], (l) => logged.push(l)));
    const viaLight = await new DeviceRegistry(registry, light).nodes();
    const logsViaLight = await light.getLogs({ address: registry, fromBlock: 0, toBlock: Number(light.light.head!.header.number) });
    const honest = (await connectChain([chain.url], 3000)).provider;
    const direct = await new DeviceRegistry(registry, honest).nodes(Number(light.light.head!.header.number));
    const logsDirect = await honest.getLogs({ address: registry, fromBlock: 0, toBlock: Number(light.light.head!.header.number) });
    honest.destroy();
    expect(viaLight.map((n) => [n.address, n.name, n.endpoints])).toEqual(direct.map((n) => [n.address, n.name, n.endpoints]));
    expect(logsDirect.length).toBeGreaterThan(0);
    expect(logsViaLight.map((l) => [l.blockHash, l.index, l.topics, l.data])).toEqual(logsDirect.map((l) => [l.blockHash, l.index, l.topics, l.data]));
    expect(viaLight.map((n) => n.name)).toEqual(["creator"]);
    expect(proxy.altered).toBeGreaterThan(0);
    expect(light.url).toBe(chain.url);
    expect(light.light.rejections.length).toBeGreaterThan(0);
    expect(light.light.rejections.every((r) => r.url === proxy.url)).toBe(true);
    const reason = { "proof-values": /differ/, "stale-proofs": /does not lead to state root/, headers: /claims hash/, logs: /logs returned are not the matching logs/, "logs-and-receipts": /receipts do not hash to the verified receipts root/ }[lie];
    expect(light.light.rejections.some((r) => reason.test(r.reason))).toBe(true);
    expect(logged.some((l) => l.includes(proxy.url) && l.includes("rejected"))).toBe(true);
    light.destroy();
  });
}

test("an honest endpoint that is behind (cut off from the signers) is left for one that is ahead", async () => {
  const stuck = await startGeth({ genesis: chain.params }); // same genesis, never peered: stays at block 0
  try {
    const logged: string[] = [];
    const light = new LightProvider({ ...lightOptions([stuck.url, chain.url], (l) => logged.push(l)), staleSeconds: 2 });
    expect((await new DeviceRegistry(registry, light).nodes()).map((n) => n.name)).toEqual(["creator"]);
    expect(light.url).toBe(chain.url);
    expect(logged.some((l) => l.includes(`${chain.url} is ahead`))).toBe(true);
    light.destroy();
  } finally {
    await stuck.stop();
  }
});

test("with only the lying endpoint, the light provider answers nothing rather than altered state", async () => {
  const proxy = await lying("proof-values");
  const light = new LightProvider(lightOptions([proxy.url]));
  await light.light.sync(); // headers are honest here: only state proofs are altered
  await expect(new DeviceRegistry(registry, light).nodes()).rejects.toThrow(/no endpoint gave a verifiable eth_call: .*(differs from the proven|fields returned differ)/);
  await expect(light.getBalance(creator.address)).rejects.toThrow(/no endpoint gave a verifiable account/);
  light.destroy();
});

// Its own name per run: container names derive from it, and shared Docker may hold a failed run's leftovers.
const LIGHT = `light-${process.pid}`;
let lightNode: TestNode;
let lightProxy: Proxy;

test("a light node joins through a lying first endpoint; status and app ls show the honest cluster", async () => {
  const proxy = (lightProxy = await lying("proof-values"));
  const node = (lightNode = await initNode(LIGHT, proxy.url));
  // Again in light mode (a new key: keep its address).
  node.address = (await cliOk(["init", "--force", "--name", LIGHT, "--config", node.config, "--data-dir", join(node.dir, "data"), "--chain-mode", "light", "--rpc", proxy.url, "--rpc", chain.url, "--scrypt-n", "1024"])).stdout.trim();
  // Without the genesis hash a light node has no root of trust and says so.
  expect(oneLineError(await cli(["status", ...node.c]))).toMatch(/genesis hash/);
  const joined = await cliOk(["join", "--cluster", token, ...node.c]);
  expect(joined.stderr).toContain(`from ${proxy.url} rejected`);
  // The token's genesis hash is now this node's root of trust.
  expect((await clusterOf(node)).genesisHash).toBe(chain.genesisHash);

  await cliOk(["app", "deploy", "web", "--image", "busybox:light-test", "--replicas", "2", "--port", "18080:80", ...creator.c]);
  const status = JSON.parse((await cliOk(["status", "--json", ...node.c])).stdout);
  expect(status.chain.mode).toBe("light");
  expect(status.chain.endpoint).toBe(chain.url);
  expect(status.chain.verified.signers).toEqual([chain.signer!.address.toLowerCase()]);
  expect(status.chain.verified.rejections).toBeGreaterThan(0);
  expect(status.node.membership).toBe("member");
  expect(status.cluster.members.map((m: any) => m.name).sort()).toEqual(["creator", LIGHT]);
  const apps = JSON.parse((await cliOk(["app", "ls", "--json", ...node.c])).stdout);
  expect(apps.map((a: any) => [a.name, a.spec.image, a.desired, a.spec.ports])).toEqual([["web", "busybox:light-test", 2, [{ host: 18080, container: 80, protocol: "tcp" }]]]);
  const text = (await cliOk(["status", ...node.c])).stdout;
  expect(text).toMatch(/light \(verified head #\d+, 1 Clique signers, \d+ responses rejected\)/);
  expect(proxy.altered).toBeGreaterThan(0);
});

test("a light agent (`run`) behind the lying endpoint runs the replica the honest chain gives it, with the honest spec", async () => {
  const docker = await ensureDocker();
  await ensureTestImage(docker);
  try {
    usePublishAddress(lightNode, "127.0.0.31");
    const port = await freePort();
    await cliOk(["app", "deploy", "pinned", "--image", TEST_IMAGE, "--replicas", "1", "--pin", LIGHT, "--port", `${port}:80`, ...creator.c]);
    const altered = lightProxy.altered;
    const agent = startAgent(lightNode);
    try {
      await waitFor("the light agent to serve the pinned replica", async () => (await httpBody("127.0.0.31", port)) === TEST_INDEX_HTML, 45_000)
        .catch((err) => { throw new Error(`${(err as Error).message}; agent log:\n${agent.logText().slice(-3000)}`); });
      const [container] = await containersOf(docker, lightNode, "pinned");
      expect(container!.Image).toBe(TEST_IMAGE);
      expect(container!.Ports.map((p) => p.PublicPort)).toContain(port);
      // The agent read the chain only through the liar first, rejected what it altered, and acted on honest state.
      expect(lightProxy.altered).toBeGreaterThan(altered);
      expect(agent.logText()).toContain(`from ${lightProxy.url} rejected`);
      const apps = JSON.parse((await cliOk(["app", "ls", "--json", ...creator.c])).stdout);
      await waitFor("the replica reported running on chain", async () => {
        const now = JSON.parse((await cliOk(["app", "ls", "--json", ...creator.c])).stdout);
        return now.find((a: any) => a.name === "pinned")?.running === 1;
      }, 30_000);
      expect(apps.find((a: any) => a.name === "pinned").spec.image).toBe(TEST_IMAGE);
    } finally {
      await agent.stop();
    }
  } finally {
    await removeContainersOf(docker, [lightNode]);
  }
});
