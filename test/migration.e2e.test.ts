// End to end: the migration workflow with three daemons on anvil + dockerd. A `migrate` rule set through the config
// and `reload` moves a replica (never zero copies serving); a node whose agent dies has its replica rescued.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Docker from "dockerode";
import { readFileSync, writeFileSync } from "node:fs";
import type { AppView } from "../lib/apps/ops";
import type { StatusReport } from "../lib/cluster";
import { updateConfigFile } from "./support/config-edit";
import type { AuditEntry } from "../lib/workflow/audit";
import { containersOf, httpBody, startAgent, type RunningAgent } from "./support/agents";
import { cli, cliOk, oneLineError, type TestNode } from "./support/cli";
import { startCluster, type TestCluster } from "./support/cluster";
import { ensureDocker } from "./support/dockerd";
import { TEST_IMAGE, TEST_INDEX_HTML, ensureTestImage } from "./support/images";
import { freePort, waitFor } from "./support/ports";

const GRACE_MS = 6000;
const FETCH_TIMEOUT_MS = 2000;
let docker: Docker;
let cluster: TestCluster;
let nodes: TestNode[];
let agents: RunningAgent[];
let ip: (i: number) => string;
let indexOf: (address: string | null) => number;
let port: number;

const apps = async (): Promise<AppView[]> => JSON.parse((await cliOk(["app", "ls", "--json", ...nodes[0]!.c])).stdout);
const web = async () => (await apps()).find((a) => a.name === "web")!;
const events = async (): Promise<AuditEntry[]> => JSON.parse((await cliOk(["events", "--json", ...nodes[0]!.c])).stdout);
const setRules = (node: TestNode, rules: object[]) => updateConfigFile(node.config, [{ section: "monitor", key: "rules", value: rules as never }]);

beforeAll(async () => {
  docker = await ensureDocker();
  await ensureTestImage(docker);
  cluster = await startCluster({
    names: ["alpha", "bravo", "charlie"],
    ipBase: 21,
    settings: [
      { section: "cluster", key: "liveness_grace_ms", value: GRACE_MS },
      { section: "cluster", key: "heartbeat_interval_ms", value: 1000 },
      { section: "cluster", key: "resync_interval_ms", value: 1000 },
      { section: "cluster", key: "solver_timeout_blocks", value: 8 },
      { section: "monitor", key: "interval_ms", value: 250 },
      { section: "monitor", key: "window", value: 4 },
    ],
  });
  ({ nodes, agents, ip, indexOf } = cluster);
  port = await freePort();
  // Members register at join, before their daemons start: one whose first heartbeat came later than the 6 s grace
  // (a loaded machine) counts as lost for a moment, and a replica it claimed then is rescued before any test runs.
  // Deploy once every daemon heartbeats, so the tests start from three live members.
  await waitFor("all three members alive", async () => {
    const s: StatusReport = JSON.parse((await cliOk(["status", "--json", ...nodes[0]!.c])).stdout);
    return s.cluster?.members.filter((m) => m.alive).length === 3;
  }, 60_000);
  await cliOk(["app", "deploy", "web", "--image", TEST_IMAGE, "--replicas", "2", "--spread", "--port", `${port}:80`, "--wait", ...nodes[0]!.c]);
}, 120_000);

afterAll(async () => {
  await cluster?.stop(docker);
});

describe("migration by rule", () => {
  test("a bad rule is refused on reload with one line, and the old rules stay", async () => {
    const a = nodes[0]!;
    // Written by hand: the agent's own config writer refuses to save an invalid file.
    const good = readFileSync(a.config, "utf8");
    writeFileSync(a.config, good.replace(/^rules = .*$/m, 'rules = [{ name = "broken", metric = "memory", comparator = ">", bound = 250, action = "migrate" }]'));
    const line = oneLineError(await cli(["reload", ...a.c]));
    expect(line).toMatch(/config\.toml:\d+: \[monitor\] rules\[0\] bound: a percent bound must be between 0 and 100/);
    writeFileSync(a.config, good);
    const s: StatusReport = JSON.parse((await cliOk(["status", "--json", ...a.c])).stdout);
    expect(s.daemon!.rules).toEqual([]);
  });

  test("a memory rule fires on the applicant: the replica runs and serves on the free node, then the old copy goes", async () => {
    const before = await web();
    const applicant = indexOf(before.replicas[0]!.node);
    const other = indexOf(before.replicas[1]!.node);
    const free = [0, 1, 2].find((i) => i !== applicant && i !== other)!;

    // Watch which nodes serve the whole time: the other replica, plus the migrating one on the old or the new node.
    type Sample = { at: number; serving: boolean[] };
    const samples: Sample[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const serving = (await Promise.all([0, 1, 2].map((i) => httpBody(ip(i), port, FETCH_TIMEOUT_MS)))).map((b) => b === TEST_INDEX_HTML);
        samples.push({ at: Date.now(), serving });
        await Bun.sleep(50);
      }
    })();
    let firedAt: number, resolvedAt: number, removedAt: number;
    try {
      await waitFor("the watcher sampled the starting state", () => samples.length > 0, 10_000);
      firedAt = Date.now();
      setRules(nodes[applicant]!, [{ name: "mem-high", metric: "memory", comparator: ">", bound: 1, action: "migrate", window: 2, cooldown_ms: 600_000 }]);
      expect((await cliOk(["reload", ...nodes[applicant]!.c])).stderr).toContain("reloaded 1 rule(s): mem-high");

      await waitFor("the migration resolved", async () => (await events()).some((e) => e.phase === "resolved"), 45_000);
      resolvedAt = Date.now();
      await waitFor("the old copy removed", async () => (await containersOf(docker, nodes[applicant]!, "web")).length === 0, 20_000);
      removedAt = Date.now();
      // One sample taken wholly after the removal, so the record ends on the final state.
      const last = samples.length;
      await waitFor("a sample after the removal", () => samples.length > last + 1, 10_000);
    } finally {
      watching = false;
      await watcher;
    }

    const [event] = await events();
    expect(event).toMatchObject({ kind: "overload", phase: "resolved", replica: 0, from: nodes[applicant]!.address, filer: nodes[applicant]!.address, solver: nodes[free]!.address });
    expect(event!.reason).toContain("rule mem-high");
    expect(event!.tookBlocks).toBeGreaterThanOrEqual(1);
    const after = await web();
    expect(indexOf(after.replicas[0]!.node)).toBe(free);
    expect(indexOf(after.replicas[1]!.node)).toBe(other); // the other replica did not move
    expect(await httpBody(ip(free), port)).toBe(TEST_INDEX_HTML);

    // The record spans the migration: it starts before it (old node serving, new one not), ends after it (the new
    // node serving, the old one not), and is dense: many samples while it ran, none further apart than one fetch
    // timeout (a slow answer under load takes about a second here; a port accepting but not answering, the timeout).
    const show = (x: Sample) => x.serving.map((on, i) => (on ? i : "-")).join("");
    expect(show(samples[0]!)).toBe(show({ at: 0, serving: [0, 1, 2].map((i) => i === applicant || i === other) }));
    expect(show(samples.at(-1)!)).toBe(show({ at: 0, serving: [0, 1, 2].map((i) => i === free || i === other) }));
    const during = samples.filter((x) => x.at >= firedAt! && x.at <= removedAt!).length;
    expect(during).toBeGreaterThanOrEqual(20);
    const gaps = samples.slice(1).map((x, i) => x.at - samples[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(FETCH_TIMEOUT_MS + 500);
    // In every sample the other replica served and the migrating one served on the old node, the new one or both.
    const lapses = samples.filter((x) => !x.serving[other] || !(x.serving[applicant] || x.serving[free])).map(show);
    expect(lapses).toEqual([]);
    const minServing = Math.min(...samples.map((x) => x.serving.filter(Boolean).length));
    expect(minServing).toBeGreaterThanOrEqual(2); // never zero copies of the migrating replica
    // The handover was seen: both copies serving at once (make before break).
    expect(samples.some((x) => x.serving[applicant] && x.serving[free])).toBe(true);
    console.log(`${samples.length} samples, ${during} from the rule's reload to the old copy's removal (${((removedAt! - firedAt!) / 1000).toFixed(1)} s, resolved at ${((resolvedAt! - firedAt!) / 1000).toFixed(1)} s); longest gap ${Math.max(...gaps)} ms`);
    setRules(nodes[applicant]!, []);
    await cliOk(["reload", ...nodes[applicant]!.c]);

    const human = (await cliOk(["events", ...nodes[1]!.c])).stdout;
    expect(human).toMatch(/overload\s+web#0\s+\S+\s+\S+\s+\S+\s+\S+\s+resolved/);
  }, 90_000);
});

describe("liveness", () => {
  test("kill -9 a node's agent and stop its containers: its replica serves elsewhere within grace + a few blocks", async () => {
    const current = await web();
    const victim = indexOf(current.replicas[1]!.node);
    const spare = [0, 1, 2].find((i) => !current.replicas.some((r) => indexOf(r.node) === i))!;
    await agents[victim]!.stop("SIGKILL");
    for (const c of await containersOf(docker, nodes[victim]!, "web")) await docker.getContainer(c.Id).stop({ t: 0 });
    const lostAt = Date.now();

    await waitFor("the lost replica serving on the spare node", async () => (await httpBody(ip(spare), port)) === TEST_INDEX_HTML, GRACE_MS + 30_000);
    const took = Date.now() - lostAt;
    expect(took).toBeLessThan(GRACE_MS + 20_000);
    const status: StatusReport = JSON.parse((await cliOk(["status", "--json", ...nodes[spare]!.c])).stdout);
    expect(status.cluster!.members.find((m) => m.address === nodes[victim]!.address)!.alive).toBe(false);
    await waitFor("the rescue resolved", async () => (await events()).some((e) => e.kind === "node-lost" && e.phase === "resolved"), 20_000);
    const rescue = (await events()).find((e) => e.kind === "node-lost")!;
    expect(rescue).toMatchObject({ from: nodes[victim]!.address, solver: nodes[spare]!.address, replica: 1 });

    // The lost node comes back: it stops the replica it no longer owns.
    agents[victim] = startAgent(nodes[victim]!);
    await waitFor("the returning node removed its old copy", async () => (await containersOf(docker, nodes[victim]!, "web")).length === 0, 30_000);
    await waitFor("the returning node alive again", async () => {
      const s: StatusReport = JSON.parse((await cliOk(["status", "--json", ...nodes[0]!.c])).stdout);
      return s.cluster!.members.every((m) => m.alive);
    }, 20_000);
    const final = await web();
    expect(final.running).toBe(2);
    const total = (await Promise.all(nodes.map((n) => containersOf(docker, n, "web")))).flat().length;
    expect(total).toBe(2);
  }, 120_000);
});
