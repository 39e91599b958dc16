// Chaos: 20 rounds of `kill -9` of a random agent at a random moment of a migration, then a restart. After each
// round the cluster must converge: every replica on exactly one node, none lost, none doubled, no event left open.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type Docker from "dockerode";
import type { AppView } from "../lib/apps/ops";
import { updateConfigFile } from "./support/config-edit";
import type { AuditEntry } from "../lib/workflow/audit";
import { containersOf, startAgent, type RunningAgent } from "./support/agents";
import { cliOk, type TestNode } from "./support/cli";
import { startCluster, type TestCluster } from "./support/cluster";
import { ensureDocker } from "./support/dockerd";
import { TEST_IMAGE, ensureTestImage } from "./support/images";
import { freePort, waitFor } from "./support/ports";

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 20);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
let docker: Docker;
let cluster: TestCluster;
let nodes: TestNode[];
let agents: RunningAgent[];
let indexOf: (address: string | null) => number;

// A small seeded PRNG (mulberry32), so a failing run can be replayed with CHAOS_SEED.
let state = SEED;
const random = () => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const apps = async (): Promise<AppView[]> => JSON.parse((await cliOk(["app", "ls", "--json", ...nodes[0]!.c])).stdout);
const events = async (): Promise<AuditEntry[]> => JSON.parse((await cliOk(["events", "--json", ...nodes[0]!.c])).stdout);
const setRules = (i: number, rules: object[]) => updateConfigFile(nodes[i]!.config, [{ section: "monitor", key: "rules", value: rules as never }]);

/** Every replica assigned and running on exactly one node, no stray containers, no open event. */
async function converged(): Promise<string | null> {
  const app = (await apps()).find((a) => a.name === "chaos")!;
  if (app.replicas.some((r) => r.node === null || r.state !== "running")) return "a replica is unassigned or not running";
  for (const [i, node] of nodes.entries()) {
    const mine = app.replicas.filter((r) => indexOf(r.node) === i).map((r) => String(r.replica)).sort();
    const running = (await containersOf(docker, node, "chaos")).filter((c) => c.State === "running").map((c) => c.Labels["edge-agent.replica"]!).sort();
    const all = (await containersOf(docker, node, "chaos")).length;
    if (JSON.stringify(mine) !== JSON.stringify(running) || all !== mine.length) return `${node.name} runs [${running}] (of ${all}) but holds [${mine}]`;
  }
  if ((await events()).some((e) => e.phase === "open")) return "an event is open";
  return null;
}

beforeAll(async () => {
  docker = await ensureDocker();
  await ensureTestImage(docker);
  cluster = await startCluster({
    names: ["alpha", "bravo", "charlie"],
    ipBase: 31,
    settings: [
      { section: "cluster", key: "liveness_grace_ms", value: 4000 },
      { section: "cluster", key: "heartbeat_interval_ms", value: 1000 },
      { section: "cluster", key: "resync_interval_ms", value: 1000 },
      { section: "cluster", key: "claim_grace_ms", value: 2000 },
      { section: "cluster", key: "solver_timeout_blocks", value: 6 },
      { section: "cluster", key: "event_timeout_blocks", value: 24 },
      { section: "monitor", key: "interval_ms", value: 250 },
      { section: "monitor", key: "window", value: 2 },
    ],
  });
  ({ nodes, agents, indexOf } = cluster);
  await cliOk(["app", "deploy", "chaos", "--image", TEST_IMAGE, "--replicas", "2", "--spread", "--port", `${await freePort()}:80`, "--wait", ...nodes[0]!.c]);
}, 120_000);

afterAll(async () => {
  await cluster?.stop(docker);
});

test(`${ROUNDS} rounds of kill -9 during migrations converge with every replica on exactly one node (seed ${SEED})`, async () => {
  for (let round = 1; round <= ROUNDS; round++) {
    const app = (await apps()).find((a) => a.name === "chaos")!;
    const applicant = indexOf(app.replicas[Math.floor(random() * app.replicas.length)]!.node);
    setRules(applicant, [{ name: `r${round}`, metric: "memory", comparator: ">", bound: 1, action: "migrate", window: 1, cooldown_ms: 600_000 }]);
    await cliOk(["reload", ...nodes[applicant]!.c]);
    setRules(applicant, []); // the next restart or reload starts without it

    await Bun.sleep(Math.floor(random() * 3000)); // somewhere in: fired, filed, solving, confirming, removing
    const victim = Math.floor(random() * nodes.length);
    await agents[victim]!.stop("SIGKILL");
    await Bun.sleep(Math.floor(random() * 2000));
    agents[victim] = startAgent(nodes[victim]!);
    if (victim !== applicant) await cliOk(["reload", ...nodes[applicant]!.c]).catch(() => {}); // drop the rule

    let why: string | null = "not checked";
    await waitFor(`round ${round} converging (applicant ${nodes[applicant]!.name}, killed ${nodes[victim]!.name})`, async () => (why = await converged()) === null, 90_000).catch((err) => {
      throw new Error(`${(err as Error).message}: ${why}`);
    });
  }
  const trail = await events();
  expect(trail.filter((e) => e.phase === "open")).toEqual([]);
  expect(trail.filter((e) => e.phase === "resolved").length).toBeGreaterThan(0);
  const total = (await Promise.all(nodes.map((n) => containersOf(docker, n, "chaos")))).flat().length;
  expect(total).toBe(2);
}, 40 * 60_000);
