// End to end: anvil + dockerd + three `edge-agent run` daemons (each its own config, data dir and loopback address).
// Apps are deployed through the CLI, placed by the agents' claims, run by their reconcilers, and served over HTTP.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Docker from "dockerode";
import { id } from "ethers";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { AppView } from "../lib/apps/ops";
import type { StatusReport } from "../lib/cluster";
import { updateConfigFile } from "./support/config-edit";
import { startAnvil, type Anvil } from "./support/anvil";
import { containersOf, httpBody, removeContainersOf, startAgent, usePublishAddress, type RunningAgent } from "./support/agents";
import { cli, cliOk, initNode, oneLineError, removeTempDirs, type TestNode } from "./support/cli";
import { ensureDocker } from "./support/dockerd";
import { TEST_IMAGE, TEST_INDEX_HTML, ensureTestImage } from "./support/images";
import { freePort, waitFor } from "./support/ports";

let docker: Docker;
let anvil: Anvil;
let token: string;
const nodes: TestNode[] = [];
const agents = new Map<string, RunningAgent>();
const ip = (i: number) => `127.0.0.${11 + i}`;
let stranger: Docker.Container;

async function addNode(name: string, create = false): Promise<TestNode> {
  const node = await initNode(name, anvil.url);
  usePublishAddress(node, ip(nodes.length));
  if (create) token = (await cliOk(["cluster", "create", ...node.c])).stdout.trim();
  else await cliOk(["join", "--cluster", token, ...node.c]);
  nodes.push(node);
  agents.set(name, startAgent(node));
  return node;
}

const apps = async (node = nodes[0]!): Promise<AppView[]> => JSON.parse((await cliOk(["app", "ls", "--json", ...node.c])).stdout);
const appNamed = async (name: string) => (await apps()).find((a) => a.name === name);
async function countContainers(app: string): Promise<number[]> {
  return Promise.all(nodes.map(async (n) => (await containersOf(docker, n, app)).filter((c) => c.State === "running").length));
}

beforeAll(async () => {
  docker = await ensureDocker();
  await ensureTestImage(docker);
  anvil = await startAnvil([], { persistent: true });
  // A container no agent created: it must survive everything below.
  stranger = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ["sleep", "3600"], Labels: { purpose: "edge-agent e2e stranger" } });
  await stranger.start();
  await addNode("alpha", true);
  await addNode("bravo");
  await addNode("charlie");
}, 120_000);

afterAll(async () => {
  for (const agent of agents.values()) await agent.stop("SIGTERM").catch(() => {});
  if (docker) await removeContainersOf(docker, nodes);
  await stranger?.remove({ force: true }).catch(() => {});
  await anvil?.stop();
  removeTempDirs();
});

describe("apps across three agents", () => {
  const port = 18_000 + Math.floor(Math.random() * 2000);

  test("deploy 3 replicas with --spread: one per node, each answering HTTP", async () => {
    await cliOk(["app", "deploy", "web", "--image", TEST_IMAGE, "--replicas", "3", "--spread", "--port", `${port}:80`, "--env", "GREETING=hi", "--memory", "64M", "--wait", ...nodes[0]!.c]);
    expect(await countContainers("web")).toEqual([1, 1, 1]);
    for (let i = 0; i < 3; i++) expect(await httpBody(ip(i), port)).toBe(TEST_INDEX_HTML);
    const web = (await appNamed("web"))!;
    expect(new Set(web.replicas.map((r) => r.nodeName))).toEqual(new Set(["alpha", "bravo", "charlie"]));
    expect(web.replicas.every((r) => r.state === "running" && r.version === 1)).toBe(true);
    const [info] = await containersOf(docker, nodes[1]!, "web");
    const inspect = await docker.getContainer(info!.Id).inspect();
    expect(inspect.Config.Env).toContain("GREETING=hi");
    expect(inspect.HostConfig.Memory).toBe(64 * 2 ** 20);
  });

  test("a new [docker] publish_address and `reload` recreate that node's container on it; nothing else changes", async () => {
    const before = await Promise.all(nodes.map(async (n) => (await containersOf(docker, n, "web")).map((c) => c.Id)));
    const version = (await appNamed("web"))!.version;
    const moved = "127.0.0.21";
    updateConfigFile(nodes[1]!.config, [{ section: "docker", key: "publish_address", value: moved }]);
    expect((await cliOk(["reload", ...nodes[1]!.c])).stderr).toContain(`publish address ${moved}`);
    await waitFor("bravo's replica serving on the new address", async () => (await httpBody(moved, port)) === TEST_INDEX_HTML, 20_000);
    expect(await httpBody(ip(1), port)).toBeNull();
    const after = await Promise.all(nodes.map(async (n) => (await containersOf(docker, n, "web")).map((c) => c.Id)));
    expect(after[1]).toHaveLength(1);
    expect(after[1]![0]).not.toBe(before[1]![0]);
    expect([after[0], after[2]]).toEqual([before[0], before[2]]); // the other nodes' containers are untouched
    expect((await appNamed("web"))!.version).toBe(version); // no new app version, no chain change
    await waitFor("reported running again", async () => (await appNamed("web"))!.running === 3, 20_000);
    // Back: the same again, so the tests below see the addresses they expect.
    updateConfigFile(nodes[1]!.config, [{ section: "docker", key: "publish_address", value: ip(1) }]);
    await cliOk(["reload", ...nodes[1]!.c]);
    await waitFor("bravo's replica back on its address", async () => (await httpBody(ip(1), port)) === TEST_INDEX_HTML, 20_000);
  });

  test("status on a node shows its replica desired and actually running, through its daemon", async () => {
    const s: StatusReport = JSON.parse((await cliOk(["status", "--json", ...nodes[2]!.c])).stdout);
    expect(s.daemon?.online).toBe(true);
    expect(s.replicas.source).toBe("daemon");
    expect(s.replicas.items).toEqual([expect.objectContaining({ app: "web", version: 1, state: "running" })]);
    expect(s.apps.map((a) => [a.name, a.running, a.desired])).toEqual([["web", 3, 3]]);
  });

  test("scale to 5: two replicas stay pending with a reason; back to 2: exactly two containers", async () => {
    await cliOk(["app", "scale", "web", "5", ...nodes[0]!.c]);
    await waitFor("web pending reason", async () => (await appNamed("web"))?.pendingReason?.includes("already holds one") === true);
    const web = (await appNamed("web"))!;
    expect([web.running, web.desired, web.pending]).toEqual([3, 5, 2]);

    await cliOk(["app", "scale", "web", "2", "--wait", ...nodes[0]!.c]);
    await waitFor("two web containers", async () => (await countContainers("web")).reduce((a, b) => a + b) === 2);
    const placed = (await appNamed("web"))!.replicas;
    expect(placed.map((r) => r.replica)).toEqual([0, 1]);
    for (const r of placed) expect(await httpBody(ip(nodes.findIndex((n) => n.address === r.node)), port)).toBe(TEST_INDEX_HTML);
  });

  test("a node key alone changes no app; a bad spec fails before any transaction", async () => {
    const before0 = await anvilBlock();
    expect(oneLineError(await cli(["app", "scale", "web", "3", ...nodes[1]!.c]))).toMatch(/^error: app scale needs an operator key, and there is none at \S+operator\.json \(\[operator\] keystore\): pass --operator FILE/);
    expect(await txsToAppRegistry(before0 + 1, await anvilBlock())).toBe(0);
    const bad: Array<[string[], string]> = [
      [["--replicas", "-1"], "--replicas"],
      [["--port", "80"], "--port"],
      [["--port", "70000:80"], "--port"],
      [["--memory", "64G"], "exceeds every member's memory"],
      [["--env", "NOEQUALS"], "--env"],
    ];
    const before = await anvilBlock();
    for (const [flags, expected] of bad) {
      expect(oneLineError(await cli(["app", "deploy", "bad", "--image", TEST_IMAGE, ...flags, ...nodes[0]!.c]))).toContain(expected);
    }
    // Heartbeats keep mining blocks; none of those blocks holds a transaction to the app registry.
    expect(await txsToAppRegistry(before + 1, await anvilBlock())).toBe(0);
  });

  test("rm removes every container of the app", async () => {
    await cliOk(["app", "rm", "web", ...nodes[0]!.c]);
    await waitFor("web containers gone", async () => (await Promise.all(nodes.map((n) => containersOf(docker, n, "web")))).every((l) => l.length === 0));
    expect(await appNamed("web")).toBeUndefined();
  });

  test("an image that cannot be had is that replica's failure, reported on chain with its reason", async () => {
    const failed = await cli(["app", "deploy", "ghost", "--image", "nonexistent.invalid/ghost:1", "--pin", "bravo", "--wait", ...nodes[0]!.c]);
    expect(oneLineError(failed)).toMatch(/replica 0 of ghost failed on bravo: image nonexistent\.invalid\/ghost:1 not found locally and could not be pulled/);
    const ghost = (await appNamed("ghost"))!;
    expect(ghost.replicas[0]).toMatchObject({ nodeName: "bravo", state: "failed" });
    await cliOk(["app", "rm", "ghost", ...nodes[0]!.c]);
  });

  test("an every-node app gets a replica on a node that joins later", async () => {
    await cliOk(["app", "deploy", "probe", "--image", TEST_IMAGE, "--every-node", "--wait", ...nodes[0]!.c]);
    expect(await countContainers("probe")).toEqual([1, 1, 1]);
    await addNode("delta");
    await waitFor("a probe replica on delta", async () => (await containersOf(docker, nodes[3]!, "probe")).some((c) => c.State === "running"), 30_000);
    await waitFor("probe 4/4 running", async () => (await appNamed("probe"))?.running === 4, 30_000);
    expect(await countContainers("probe")).toEqual([1, 1, 1, 1]);
  });

  test("the control socket is 0600; without a daemon, status and app ls read the chain directly", async () => {
    const charlie = nodes[2]!;
    const socket = join(charlie.dir, "data", "agent.sock");
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    await agents.get("charlie")!.stop("SIGTERM");
    expect(existsSync(socket)).toBe(false);
    const s: StatusReport = JSON.parse((await cliOk(["status", "--json", ...charlie.c])).stdout);
    expect(s.daemon).toBeNull();
    expect(s.replicas.source).toBe("chain");
    expect(s.replicas.items).toEqual([expect.objectContaining({ app: "probe", state: "running" })]);
    expect((await apps(charlie)).map((a) => a.name)).toEqual(["probe"]);
    expect(await countContainers("probe")).toEqual([1, 1, 1, 1]); // a stopped daemon leaves its containers running
    agents.set("charlie", startAgent(charlie));
    await waitFor("charlie's daemon answering", () => existsSync(socket), 10_000);
  });

  test("the reconcilers never touched the container they did not create", async () => {
    expect((await stranger.inspect()).State.Running).toBe(true);
  });
});

describe("offline autonomy", () => {
  let port: number;

  test("with the chain down for 30 s, containers keep serving, and an agent killed and restarted brings its replica back", async () => {
    port = await freePort();
    await cliOk(["app", "deploy", "svc", "--image", TEST_IMAGE, "--replicas", "3", "--spread", "--port", `${port}:80`, "--wait", ...nodes[0]!.c]);
    const holders = (await appNamed("svc"))!.replicas.map((r) => nodes.findIndex((n) => n.address === r.node));
    await anvil.stop();
    const downAt = Date.now();

    // A deliberate observation window, not a wait for a condition: the claim is that containers keep serving for
    // the whole 30 s the chain is away, so the window runs to its end. Every holder is sampled about every half
    // second from the moment the chain goes; the victim's replica is expected back, then serving like the others.
    const victim = holders[1]!;
    const samples: { at: number; serving: boolean[] }[] = [];
    const window = (async () => {
      while (Date.now() - downAt < 30_000) {
        const at = Date.now();
        samples.push({ at, serving: await Promise.all(holders.map(async (i) => (await httpBody(ip(i), port)) === TEST_INDEX_HTML)) });
        await Bun.sleep(500);
      }
    })();
    let backAt: number;
    try {
      // A holder's agent dies hard while the chain is away, and its container goes down with the machine's hiccup.
      const node = nodes[victim]!;
      await agents.get(node.name)!.stop("SIGKILL");
      const [container] = await containersOf(docker, node, "svc");
      await docker.getContainer(container!.Id).stop({ t: 0 });
      expect(await httpBody(ip(victim), port)).toBeNull();

      agents.set(node.name, startAgent(node));
      await waitFor(`${node.name}'s replica back from its local database`, async () => (await httpBody(ip(victim), port)) === TEST_INDEX_HTML, 30_000);
      backAt = Date.now();
      expect(agents.get(node.name)!.logText()).toContain("running from the local database");
    } finally {
      await window;
    }
    const afterBack = samples.filter((x) => x.at >= backAt!);
    console.log(`the replica was back ${((backAt! - downAt) / 1000).toFixed(1)} s after the chain went away; ${samples.length} samples, ${afterBack.length} after that`);
    expect(samples.length).toBeGreaterThanOrEqual(20);
    expect(afterBack.length).toBeGreaterThanOrEqual(5); // the recovery left part of the window to observe it serving
    const others = holders.map((h) => h !== victim);
    expect(samples.filter((x) => x.serving.some((on, k) => others[k] && !on)).map((x) => x.at - downAt)).toEqual([]);
    expect(afterBack.filter((x) => !x.serving.every(Boolean)).map((x) => x.at - downAt)).toEqual([]);
    // And the chain really was away all that time, for every agent.
    expect(await fetch(anvil.url, { method: "POST", signal: AbortSignal.timeout(2000) }).then(() => "answered", () => "down")).toBe("down");
    // (status needs the chain, so each daemon's own log says it: its last word on the chain is "unreachable".)
    const lastWord = (log: string) => (log.lastIndexOf("chain unreachable") > log.lastIndexOf("chain reachable (") ? "unreachable" : "reachable");
    expect(nodes.map((n) => lastWord(agents.get(n.name)!.logText()))).toEqual(nodes.map(() => "unreachable"));
  }, 90_000);

  test("when the chain returns, chain state and Docker agree with no duplicate containers", async () => {
    await anvil.restart();
    const daemons = () => Promise.all(nodes.map(async (n) => (JSON.parse((await cliOk(["status", "--json", ...n.c])).stdout) as StatusReport).daemon!));
    let synced: number[] = [];
    await waitFor("every daemon back online", async () => {
      const now = await daemons();
      synced = now.map((d) => Date.parse(d.lastSyncAt!));
      return now.every((d) => d.online);
    }, 30_000);
    // Two more passes on every daemon: the second began after the first had finished, so after all were online.
    for (const pass of [1, 2]) {
      const since = synced;
      await waitFor(`pass ${pass} on every daemon since all were online`, async () => {
        synced = (await daemons()).map((d) => Date.parse(d.lastSyncAt!));
        return synced.every((at, i) => at > since[i]!);
      }, 30_000);
    }
    const svc = (await appNamed("svc"))!;
    expect(svc.running).toBe(3);
    const running = await countContainers("svc");
    expect(running.reduce((a, b) => a + b)).toBe(3);
    for (const r of svc.replicas) {
      const i = nodes.findIndex((n) => n.address === r.node);
      const theirs = await containersOf(docker, nodes[i]!, "svc");
      expect(theirs.map((c) => c.Labels["edge-agent.replica"])).toEqual([String(r.replica)]);
    }
    // Every node's containers, all apps: exactly one per assigned replica.
    const total = (await Promise.all(nodes.map((n) => containersOf(docker, n)))).flat().length;
    const assigned = (await apps()).flatMap((a) => a.replicas.filter((r) => r.node)).length;
    expect(total).toBe(assigned);
  }, 120_000); // its waits allow 30 + 30 + 30 s: the test's own deadline must not cut them short and hide which one waited
});

async function txsToAppRegistry(from: number, to: number): Promise<number> {
  const s: StatusReport = JSON.parse((await cliOk(["status", "--json", ...nodes[0]!.c])).stdout);
  const registry = s.cluster!.registry;
  const rpc = async (method: string, params: unknown[]) =>
    ((await (await fetch(anvil.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json()) as { result: any }).result;
  const apps = (await rpc("eth_call", [{ to: registry, data: id("apps()").slice(0, 10) }, "latest"])) as string;
  const appsAddress = `0x${apps.slice(-40)}`.toLowerCase();
  let count = 0;
  for (let n = from; n <= to; n++) {
    const block = await rpc("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
    count += (block.transactions as Array<{ to: string | null }>).filter((t) => t.to?.toLowerCase() === appsAddress).length;
  }
  return count;
}

async function anvilBlock(): Promise<number> {
  const res = await fetch(anvil.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) });
  return Number(((await res.json()) as { result: string }).result);
}
