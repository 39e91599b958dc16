// Operators on a running two-node cluster (anvil, two daemons, the shared dockerd), through the CLI as people use it:
// a member's node key alone changes no app; a deployer key made on the second member scales an app another operator
// deployed; a viewer is refused by the CLI and, sent past it, by the contract; with the creator gone for good (daemon
// killed, data dir deleted), an admin working on the other node still scales and removes the app; the last admin stays.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { Interface, JsonRpcProvider } from "ethers";
import type { AppView } from "../lib/apps/ops";
import { AppRegistryArtifact, DeviceRegistry, appIdOf } from "../lib/chain";
import { keystoreAddress, unlockKeystore } from "../lib/keys";
import { containersOf } from "./support/agents";
import { sendPastChecks } from "./support/attack";
import { cli, cliOk, clusterOf, oneLineError, type TestNode } from "./support/cli";
import { startCluster, type TestCluster } from "./support/cluster";
import { ensureDocker } from "./support/dockerd";
import { TEST_IMAGE, ensureTestImage } from "./support/images";
import { waitFor } from "./support/ports";

let docker: Docker;
let cluster: TestCluster;
let alpha: TestNode; // the creator: its data dir holds the first admin's key
let bravo: TestNode;

const apps = async (node: TestNode): Promise<AppView[]> => JSON.parse((await cliOk(["app", "ls", "--json", ...node.c])).stdout);
const web = async (node: TestNode) => (await apps(node)).find((a) => a.name === "web");
const keyFile = (node: TestNode, name: string) => join(node.dir, `${name}.json`);
/** `operator new` on `node`: a fresh key encrypted with the node's password; answers its address. */
const newOperatorKey = async (node: TestNode, name: string) => (await cliOk(["operator", "new", "--out", keyFile(node, name), ...node.c])).stdout.trim();

beforeAll(async () => {
  docker = await ensureDocker();
  await ensureTestImage(docker);
  cluster = await startCluster({
    names: ["op-a", "op-b"],
    ipBase: 81,
    settings: [
      { section: "cluster", key: "heartbeat_interval_ms", value: 1000 },
      { section: "cluster", key: "resync_interval_ms", value: 1000 },
      { section: "cluster", key: "claim_grace_ms", value: 500 },
    ],
  });
  [alpha, bravo] = [cluster.nodes[0]!, cluster.nodes[1]!];
  // The creator's admin key deploys (the default key on the creating node): two replicas, both on op-b.
  await cliOk(["app", "deploy", "web", "--image", TEST_IMAGE, "--replicas", "2", "--pin", "op-b", "--wait", ...alpha.c]);
}, 90_000);

afterAll(async () => {
  await cluster?.stop(docker);
});

test("from a second member: no operator key is one line and changes nothing; a deployer key scales another operator's app", async () => {
  const refused = await cli(["app", "scale", "web", "1", ...bravo.c]);
  expect(oneLineError(refused)).toMatch(/^error: app scale needs an operator key, and there is none at \S+\/op-b\/data\/operator\.json \(\[operator\] keystore\): pass --operator FILE or set EDGE_AGENT_OPERATOR/);
  expect((await web(bravo))!.desired).toBe(2);

  const deployer = await newOperatorKey(bravo, "deployer");
  expect((await cliOk(["operator", "add", deployer, "--role", "deployer", ...alpha.c])).stderr).toContain(`${deployer} is a deployer from block`);
  await cliOk(["app", "scale", "web", "1", "--wait", "--operator", keyFile(bravo, "deployer"), ...bravo.c]);
  expect(await web(bravo)).toMatchObject({ desired: 1, running: 1, updatedBy: deployer });
  await waitFor("one web container on op-b", async () => (await containersOf(docker, bravo, "web")).length === 1);
});

test("a viewer's app rm is refused by the CLI, and by the contract when sent past it", async () => {
  const viewer = await newOperatorKey(bravo, "viewer");
  await cliOk(["operator", "add", viewer, "--role", "viewer", ...alpha.c]);
  expect(oneLineError(await cli(["app", "rm", "web", "--operator", keyFile(bravo, "viewer"), ...bravo.c]))).toBe(
    `error: the operator key ${viewer} is a viewer: changing apps takes the deployer or admin role (an admin runs \`edge-agent operator add ${viewer} --role deployer\`)`,
  );

  // Past the CLI: the viewer's own transaction, mined and reverted by the contract itself.
  const provider = new JsonRpcProvider(cluster.anvil.url, undefined, { staticNetwork: true });
  try {
    await provider.send("anvil_setBalance", [viewer, "0xde0b6b3a7640000"]); // viewers get no gas money; give it 1 ETH
    const key = (await unlockKeystore(keyFile(bravo, "viewer"), (await Bun.file(join(bravo.dir, "password")).text()).trim())).connect(provider);
    const appsAddress = (await new DeviceRegistry((await clusterOf(bravo)).registry, provider).links()).apps;
    const iface = new Interface(AppRegistryArtifact.abi as never);
    const reason = await sendPastChecks(key, appsAddress, iface.encodeFunctionData("remove", [appIdOf("web")]), [iface]);
    expect(reason).toBe(`NotOperator(${viewer})`);
  } finally {
    provider.destroy();
  }
  expect((await web(bravo))?.desired).toBe(1);
});

test("the creator stopped for good: an admin working on the other node still scales and removes its apps", async () => {
  const admin = await newOperatorKey(bravo, "admin");
  await cliOk(["operator", "add", admin, "--role", "admin", ...alpha.c]);
  const firstAdmin = keystoreAddress(join(alpha.dir, "data", "operator.json"));

  await cluster.agents[0]!.stop("SIGKILL");
  rmSync(alpha.dir, { recursive: true, force: true }); // its node key and the first admin's key with it

  const asAdmin = ["--operator", keyFile(bravo, "admin"), ...bravo.c];
  await cliOk(["app", "scale", "web", "3", "--wait", ...asAdmin]);
  await waitFor("three web containers on op-b", async () => (await containersOf(docker, bravo, "web")).length === 3);
  expect(await web(bravo)).toMatchObject({ desired: 3, running: 3, updatedBy: admin });

  await cliOk(["app", "rm", "web", ...asAdmin]);
  await waitFor("web's containers gone from op-b", async () => (await containersOf(docker, bravo, "web")).length === 0);
  expect(await apps(bravo)).toEqual([]);

  // The lost creator's admin key can be taken off; the last admin cannot, and the contract says so.
  await cliOk(["operator", "rm", firstAdmin, ...asAdmin]);
  expect(oneLineError(await cli(["operator", "rm", admin, ...asAdmin]))).toBe(
    `error: removing operator ${admin} failed: the cluster's last admin cannot lose the admin role (make another operator admin first)`,
  );
  const operators = JSON.parse((await cliOk(["operator", "ls", "--json", ...bravo.c])).stdout);
  expect(operators.filter((o: { role: string }) => o.role === "admin")).toEqual([{ address: admin, role: "admin" }]);
}, 90_000);
