// End to end in full mode: three full nodes (each agent supervising its own geth v1.13.15, Clique, 1 s blocks) and one
// light node, every node in its own network namespace. Create, joins, signer votes, a 3-replica app placed and
// serving, a migration resolved; a signer's geth and agent stopped (blocks go on, its replicas move); one node
// partitioned by a real network cut (the majority goes on; healed, it catches up and no container is doubled).
// The light node reads the chain from the full members' geth RPC and verifies every header (Clique seals from the
// genesis hash in its token) and every piece of state it reads (lib/light).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Docker from "dockerode";
import type { AppView } from "../lib/apps/ops";
import type { StatusReport } from "../lib/cluster";
import { updateConfigFile } from "./support/config-edit";
import type { AuditEntry } from "../lib/workflow/audit";
import { containersOf, httpBody } from "./support/agents";
import { cliOk, clusterOf } from "./support/cli";
import { ensureDocker } from "./support/dockerd";
import { startFullCluster, type FullCluster } from "./support/full-cluster";
import { TEST_IMAGE, TEST_INDEX_HTML, ensureTestImage } from "./support/images";
import { freePort, waitFor } from "./support/ports";

const GRACE_MS = 8000;
// Container names come from node names: a suffix per run keeps runs (and leftovers of a crashed one) apart.
const RUN = Math.random().toString(16).slice(2, 6);
const FULL_NAMES = ["a", "b", "c"].map((x) => `geth-${x}-${RUN}`);
const LIGHT_NAME = `lite-d-${RUN}`;
const FULL = [0, 1, 2];
let docker: Docker;
let c: FullCluster;
let port: number;

const on = (i: number, args: string[]) => cliOk([...args, ...c.nodes[i]!.c], { command: c.command(i) });
const status = async (i: number): Promise<StatusReport> => JSON.parse((await on(i, ["status", "--json"])).stdout);
const web = async (i = 0): Promise<AppView> => (JSON.parse((await on(i, ["app", "ls", "--json"])).stdout) as AppView[]).find((a) => a.name === "web")!;
const events = async (i = 0): Promise<AuditEntry[]> => JSON.parse((await on(i, ["events", "--json"])).stdout);
const rpc = async (url: string, method: string, params: unknown[] = []) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }), signal: AbortSignal.timeout(3000) });
  return ((await res.json()) as { result: any }).result;
};
const head = async (i: number) => Number(await rpc(c.rpc(i), "eth_blockNumber"));
const blockHash = async (i: number, n: number) => (await rpc(c.rpc(i), "eth_getBlockByNumber", ["0x" + n.toString(16), false]))?.hash as string | undefined;

/** Waits until `converged()`, failing with its last reason. */
async function waitConverged(what: string, timeoutMs: number): Promise<void> {
  let why: string | null = "not checked";
  await waitFor(what, async () => (why = await converged()) === null, timeoutMs).catch((err) => {
    throw new Error(`${(err as Error).message}: ${why}`);
  });
}

/** Every replica of web assigned, running, and on exactly the node that holds it; no other container of web anywhere. */
async function converged(): Promise<string | null> {
  const app = await web();
  if (app.replicas.some((r) => r.node === null || r.state !== "running")) return "a replica is unassigned or not running";
  for (const [i, node] of c.nodes.entries()) {
    const mine = app.replicas.filter((r) => c.indexOf(r.node) === i).map((r) => String(r.replica)).sort();
    const all = await containersOf(docker, node, "web");
    const running = all.filter((x) => x.State === "running").map((x) => x.Labels["edge-agent.replica"]!).sort();
    if (JSON.stringify(mine) !== JSON.stringify(running) || all.length !== mine.length) return `${node.name} runs [${running}] (of ${all.length}) but holds [${mine}]`;
  }
  return null;
}

beforeAll(async () => {
  docker = await ensureDocker();
  await ensureTestImage(docker);
  c = await startFullCluster({
    full: FULL_NAMES,
    light: [LIGHT_NAME],
    ipBase: 61,
    periodSeconds: 1,
    settings: [
      { section: "cluster", key: "liveness_grace_ms", value: GRACE_MS },
      { section: "cluster", key: "heartbeat_interval_ms", value: 1500 },
      { section: "cluster", key: "resync_interval_ms", value: 2000 },
      { section: "cluster", key: "solver_timeout_blocks", value: 10 },
      { section: "monitor", key: "interval_ms", value: 250 },
      { section: "monitor", key: "window", value: 4 },
    ],
  });
}, 300_000);

afterAll(async () => {
  await c?.stop(docker);
}, 120_000);

describe("a full-mode cluster", () => {
  test("the three full members become Clique signers; every node trusts the same genesis; the light node verifies", async () => {
    await waitFor("three signers", async () => (await Promise.all(FULL.map(status))).every((s) => s.chain.geth?.signer && s.chain.geth.signers === 3), 60_000);
    const s = await status(0);
    expect(s.chain.mode).toBe("full");
    expect(s.chain.geth!.version).toContain("1.13.15");
    expect(s.chain.geth!.peers).toBeGreaterThanOrEqual(2);
    expect(s.cluster!.members.map((m) => m.name).sort()).toEqual([...FULL_NAMES, LIGHT_NAME].sort());
    const hashes = await Promise.all(c.nodes.map(async (n) => (await clusterOf(n)).genesisHash));
    expect(new Set(hashes).size).toBe(1);
    expect(hashes[0]).toBe(await blockHash(0, 0));
    const light = await status(3);
    expect(light.chain.mode).toBe("light");
    expect(light.chain.geth).toBeUndefined();
    // The light node's verified header chain ends at a block the members hold, sealed by the same three signers.
    expect(light.chain.verified!.signers.map((a) => a.toLowerCase()).sort()).toEqual(c.nodes.slice(0, 3).map((n) => n.address.toLowerCase()).sort());
    expect(await blockHash(0, light.chain.verified!.head)).toBe(light.chain.verified!.hash);
    expect(light.chain.verified!.rejections).toBe(0);
    expect((await on(3, ["status"])).stdout).toMatch(/^chain\s+light/m);
  }, 90_000);

  test("a 3-replica app is placed and serves", async () => {
    port = await freePort();
    await on(0, ["app", "deploy", "web", "--image", TEST_IMAGE, "--replicas", "3", "--spread", "--port", `${port}:80`, "--wait"]);
    const app = await web();
    expect(app.running).toBe(3);
    const holders = app.replicas.map((r) => c.indexOf(r.node));
    expect(new Set(holders).size).toBe(3);
    for (const i of holders) expect(await httpBody(c.ip(i), port)).toBe(TEST_INDEX_HTML);
  }, 120_000);

  test("a migration is resolved on the Clique chain", async () => {
    const before = await web();
    const applicant = c.indexOf(before.replicas[0]!.node);
    const setRules = (rules: object[]) => updateConfigFile(c.nodes[applicant]!.config, [{ section: "monitor", key: "rules", value: rules as never }]);
    setRules([{ name: "mem-high", metric: "memory", comparator: ">", bound: 1, action: "migrate", window: 2, cooldown_ms: 600_000 }]);
    await on(applicant, ["reload"]);
    await waitFor("the migration resolved", async () => (await events()).some((e) => e.phase === "resolved"), 90_000);
    setRules([]);
    await on(applicant, ["reload"]);
    const [event] = await events();
    expect(event).toMatchObject({ kind: "overload", phase: "resolved", from: c.nodes[applicant]!.address });
    expect(event!.solver).not.toBe(c.nodes[applicant]!.address);
    await waitConverged("converged after the migration", 90_000);
  }, 150_000);

  test("a signer's geth and agent stop: blocks keep coming and its replicas are rescheduled", async () => {
    const app = await web();
    const victim = FULL.find((i) => app.replicas.some((r) => c.indexOf(r.node) === i) && i !== 0)!;
    await c.agents[victim]!.stop("SIGTERM"); // the agent stops its geth with it
    for (const x of await containersOf(docker, c.nodes[victim]!, "web")) await docker.getContainer(x.Id).stop({ t: 0 });
    await waitFor("the victim's geth down", () => head(victim).then(() => false, () => true), 20_000);
    // Two signers of three go on sealing: 4 more 1 s blocks, with room for out-of-turn delays, and no stall.
    const from = await head(0);
    await waitFor("4 more blocks without the victim", async () => (await head(0)) >= from + 4, 12_000);
    await waitFor("its replica rescheduled and running elsewhere", async () => {
      const now = await web();
      return now.running === 3 && now.replicas.every((r) => c.indexOf(r.node) !== victim);
    }, GRACE_MS + 60_000);

    c.startAgent(victim); // back: geth catches up, the agent drops the replica it no longer holds
    await waitFor("the returning node in sync", async () => (await head(victim)) >= (await head(0)) - 2, 90_000);
    await waitConverged("converged with the returning node", 90_000);
  }, 180_000);

  test("a partitioned node is cut off; the majority goes on; healed, it catches up with no duplicate containers", async () => {
    const cut = 1;
    await c.net.partition(cut);
    const [from, cutFrom] = [await head(0), await head(cut)];
    // Two signers of three go on (if both seal one height out of turn, the one whose own block stalls steps back).
    await waitFor("the majority's chain growing by 10 blocks", async () => (await head(0)) >= from + 10, 60_000);
    expect(await head(cut)).toBeLessThanOrEqual(cutFrom + 1); // one signer of three may seal one block alone, no more
    const apps = await web();
    expect(apps.running).toBeGreaterThanOrEqual(2);

    await c.net.heal(cut);
    await waitFor("the healed node on the majority's chain", async () => {
      const h = await head(0);
      return (await head(cut)) >= h - 2 && (await blockHash(cut, h - 3)) === (await blockHash(0, h - 3));
    }, 90_000);
    await waitConverged("converged after the heal", 120_000);
    const total = (await Promise.all(c.nodes.map((n) => containersOf(docker, n, "web")))).flat().length;
    expect(total).toBe(3);
  }, 240_000);

  test("an evicted full member is voted out of the signers", async () => {
    await on(0, ["cluster", "evict", FULL_NAMES[2]!]);
    await on(1, ["cluster", "evict", FULL_NAMES[2]!]);
    expect((await status(0)).cluster!.members.map((m) => m.name)).not.toContain(FULL_NAMES[2]);
    await waitFor("two signers left", async () => (await status(0)).chain.geth?.signers === 2, 60_000);
    expect((await status(0)).chain.geth!.signer).toBe(true);
    expect((await status(1)).chain.geth!.signer).toBe(true);
    // The two remaining signers go on sealing.
    const from = await head(0);
    await waitFor("3 more blocks from the two signers left", async () => (await head(0)) >= from + 3, 10_000);
  }, 120_000);
});
