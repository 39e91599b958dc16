// The quick tier's end-to-end test (`bun run test:quick`): the core loop once, on real parts, as fast as it goes.
// Two daemons on anvil and the shared dockerd: `cluster create`, `join`, a one-replica app deployed and serving,
// then a `migrate` rule on its holder moves it to the other node, where it serves, and the old copy goes.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type Docker from "dockerode";
import type { AppView } from "../lib/apps/ops";
import type { StatusReport } from "../lib/cluster";
import type { AuditEntry } from "../lib/workflow/audit";
import { containersOf, httpBody } from "./support/agents";
import { adminKeyOf, cliOk, type TestNode } from "./support/cli";
import { startCluster, type TestCluster } from "./support/cluster";
import { updateConfigFile } from "./support/config-edit";
import { ensureDocker } from "./support/dockerd";
import { TEST_IMAGE, TEST_INDEX_HTML, ensureTestImage } from "./support/images";
import { freePort, waitFor } from "./support/ports";

let docker: Docker;
let cluster: TestCluster;
let nodes: TestNode[];
let port: number;

const web = async (node: TestNode): Promise<AppView | undefined> =>
  (JSON.parse((await cliOk(["app", "ls", "--json", ...node.c])).stdout) as AppView[]).find((a) => a.name === "web");
const events = async (node: TestNode): Promise<AuditEntry[]> => JSON.parse((await cliOk(["events", "--json", ...node.c])).stdout);

beforeAll(async () => {
  docker = await ensureDocker();
  await ensureTestImage(docker);
  cluster = await startCluster({
    names: ["smoke-a", "smoke-b"], // container names (ea-NODE-APP-N) are one namespace on the shared engine
    ipBase: 71,
    settings: [
      { section: "cluster", key: "heartbeat_interval_ms", value: 1000 },
      { section: "cluster", key: "resync_interval_ms", value: 1000 },
      { section: "cluster", key: "solver_timeout_blocks", value: 8 },
      { section: "monitor", key: "interval_ms", value: 250 },
      { section: "monitor", key: "window", value: 2 },
    ],
  });
  nodes = cluster.nodes;
  port = await freePort();
}, 90_000);

afterAll(async () => {
  await cluster?.stop(docker);
});

test("create, join, deploy, serving, migrate: the replica moves to the other node and serves there", async () => {
  const [alpha, bravo] = [nodes[0]!, nodes[1]!]; // the creator and the joiner
  // The joiner sees both members alive.
  await waitFor("bravo sees two live members", async () => {
    const s: StatusReport = JSON.parse((await cliOk(["status", "--json", ...bravo.c])).stdout);
    return s.node.membership === "member" && s.cluster?.members.filter((m) => m.alive).length === 2;
  }, 30_000);

  // Deploy from the joiner with the admin's operator key; --wait returns once the replica is placed and running.
  await cliOk(["app", "deploy", "web", "--image", TEST_IMAGE, "--replicas", "1", "--port", `${port}:80`, "--wait", ...adminKeyOf(alpha), ...bravo.c]);
  const placed = (await web(alpha))!;
  expect(placed.replicas).toHaveLength(1);
  const from = cluster.indexOf(placed.replicas[0]!.node);
  const to = 1 - from;
  expect(from).toBeGreaterThanOrEqual(0);
  await waitFor("the replica serving on its node", async () => (await httpBody(cluster.ip(from), port)) === TEST_INDEX_HTML, 20_000);
  expect(await httpBody(cluster.ip(to), port)).toBeNull();

  // A rule that always fires on the holder: it becomes the applicant, the other node the solver.
  updateConfigFile(nodes[from]!.config, [{ section: "monitor", key: "rules", value: [{ name: "mem-high", metric: "memory", comparator: ">", bound: 1, action: "migrate", window: 2, cooldown_ms: 600_000 }] as never }]);
  expect((await cliOk(["reload", ...nodes[from]!.c])).stderr).toContain("reloaded 1 rule(s): mem-high");

  await waitFor("the migration resolved", async () => (await events(alpha)).some((e) => e.phase === "resolved"), 45_000);
  const [event] = await events(bravo);
  expect(event).toMatchObject({ kind: "overload", phase: "resolved", replica: 0, from: nodes[from]!.address, solver: nodes[to]!.address });
  expect(cluster.indexOf((await web(bravo))!.replicas[0]!.node)).toBe(to);
  await waitFor("the replica serving on the solver", async () => (await httpBody(cluster.ip(to), port)) === TEST_INDEX_HTML, 20_000);
  await waitFor("the old copy removed", async () => (await containersOf(docker, nodes[from]!, "web")).length === 0, 20_000);
  expect(await httpBody(cluster.ip(from), port)).toBeNull();
}, 120_000);
