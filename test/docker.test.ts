// The docker reconciler against a real dockerd and the local busybox test image; plus its pure parts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Docker from "dockerode";
import DockerClient from "dockerode";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppSpec, DesiredReplica, ReplicaStatus } from "../lib/apps/types";
import { DockerReconciler, LABEL, type ActualReplica, type ReconcilerOptions } from "../lib/docker";
import { pullImage } from "../lib/docker/images";
import { planSteps } from "../lib/docker/plan";
import { PullProgress } from "../lib/docker/pull-progress";
import { ensureDocker } from "./support/dockerd";
import { TEST_IMAGE, TEST_INDEX_HTML, ensureTestImage } from "./support/images";
import { freePort, waitFor } from "./support/ports";
import { startRegistry } from "./support/registry";

const CRASHING_IMAGE = `edge-agent-test/crasher-${randomBytes(3).toString("hex")}:1`;
let docker: Docker;
const nodeAddresses: string[] = [];
const foreignContainers: string[] = [];

beforeAll(async () => {
  docker = await ensureDocker();
  await ensureTestImage(docker);
});

afterAll(async () => {
  for (const address of nodeAddresses) {
    const ours = await docker.listContainers({ all: true, filters: { label: [`${LABEL.node}=${address.toLowerCase()}`] } });
    await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  }
  await Promise.all(foreignContainers.map((id) => docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
  await docker.getImage(CRASHING_IMAGE).remove({ force: true }).catch(() => undefined);
});

type TestNode = { reconciler: DockerReconciler; address: string; name: string; logs: string[] };

/** A reconciler for a fresh random node address (mixed case, as a checksummed address would be). */
function newNode(overrides: Partial<ReconcilerOptions> = {}): TestNode {
  const address = "0xAb" + randomBytes(19).toString("hex");
  const name = `t${randomBytes(3).toString("hex")}`;
  const logs: string[] = [];
  nodeAddresses.push(address);
  const reconciler = new DockerReconciler({
    docker,
    nodeAddress: address,
    nodeName: name,
    cluster: "0xc0ffee0000000000000000000000000000000001",
    settings: { publishAddress: "127.0.0.1", registries: [] },
    log: (line) => logs.push(line),
    ...overrides,
  });
  return { reconciler, address, name, logs };
}

function spec(overrides: Partial<AppSpec> = {}): AppSpec {
  return { image: TEST_IMAGE, replicas: 1, ports: [], env: {}, cpuMilli: 0, memoryMB: 0, selector: {}, spread: false, everyNode: false, pin: null, ...overrides };
}

function replica(app: string, n: number, overrides: Partial<AppSpec> = {}, version = 1): DesiredReplica {
  return { appId: `0x${Buffer.from(app).toString("hex").padEnd(64, "0")}`, app, replica: n, version, spec: spec(overrides) };
}

async function withPort(app: string, n: number, version = 1): Promise<{ desired: DesiredReplica; port: number }> {
  const port = await freePort();
  return { desired: replica(app, n, { ports: [{ host: port, container: 80, protocol: "tcp" }] }, version), port };
}

async function serves(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
  return res.ok && (await res.text()) === TEST_INDEX_HTML;
}

async function inspect(id: string): Promise<Docker.ContainerInspectInfo> {
  return await docker.getContainer(id).inspect();
}

/** A foreign container running `sleep 1000`, never ours to touch. */
async function foreignContainer(labels: Record<string, string>): Promise<string> {
  const c = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ["sleep", "1000"], Labels: labels });
  foreignContainers.push(c.id);
  await c.start();
  return c.id;
}

describe("DockerReconciler against a real engine", () => {
  test("runs two replicas that answer HTTP; a second reconcile plans nothing", async () => {
    const node = newNode();
    const a = await withPort("web", 0);
    const b = await withPort("web", 1);
    const started = performance.now();
    const statuses = await node.reconciler.reconcile([a.desired, b.desired]);
    console.log(`2 replicas created+started in ${Math.round(performance.now() - started)} ms:\n  ${node.logs.join("\n  ")}`);

    expect(statuses.map((s) => [s.replica, s.state, s.reason])).toEqual([
      [0, "running", ""],
      [1, "running", ""],
    ]);
    await waitFor("replica 0 serving", () => serves(a.port), 5000);
    await waitFor("replica 1 serving", () => serves(b.port), 5000);

    const actual = await node.reconciler.observe();
    expect(actual.map((r) => [r.name, r.app, r.replica, r.version, r.running])).toEqual([
      [`ea-${node.name}-web-0`, "web", 0, 1, true],
      [`ea-${node.name}-web-1`, "web", 1, 1, true],
    ]);
    expect(node.reconciler.plan([a.desired, b.desired], actual, new Set([TEST_IMAGE]))).toEqual([]);

    node.logs.length = 0;
    const again = await node.reconciler.reconcile([a.desired, b.desired]);
    expect(again.map((s) => s.state)).toEqual(["running", "running"]);
    expect(node.logs).toEqual([]); // no step ran
    expect((await node.reconciler.observe()).map((r) => r.containerId)).toEqual(actual.map((r) => r.containerId));
  });

  test("never lists or removes containers without this node's exact label", async () => {
    const node = newNode();
    const other = newNode();
    const unlabeled = await foreignContainer({});
    const othersNode = await foreignContainer({ [LABEL.node]: other.address.toLowerCase(), [LABEL.app]: "web", [LABEL.replica]: "0" });
    await node.reconciler.reconcile([replica("web", 0), replica("api", 0)]);
    expect((await node.reconciler.observe()).length).toBe(2);

    const statuses = await node.reconciler.reconcile([]);
    expect(statuses).toEqual([]);
    expect(await node.reconciler.observe()).toEqual([]);
    const ids = (await docker.listContainers({ all: true })).map((c) => c.Id);
    expect(ids).toContain(unlabeled);
    expect(ids).toContain(othersNode);
    expect((await inspect(unlabeled)).State.Running).toBe(true);
    expect((await inspect(othersNode)).State.Running).toBe(true);
    expect(node.logs.filter((l) => l.startsWith("remove")).length).toBe(2);
  });

  test("a killed replica is started again: by reconcile after `docker kill`, by the restart policy when its process dies", async () => {
    const node = newNode();
    const { desired, port } = await withPort("web", 0);
    await node.reconciler.reconcile([desired]);
    const [before] = await node.reconciler.observe();
    await waitFor("serving", () => serves(port), 5000);

    await docker.getContainer(before!.containerId).kill();
    await waitFor("container stopped", async () => !(await inspect(before!.containerId)).State.Running, 5000);
    const [stopped] = await node.reconciler.observe();
    expect(stopped!.running).toBe(false);
    expect(node.reconciler.plan([desired], [stopped!], new Set([TEST_IMAGE])).map((s) => s.kind)).toEqual(["restart"]);

    const statuses = await node.reconciler.reconcile([desired]);
    expect(statuses[0]!.state).toBe("running");
    const [after] = await node.reconciler.observe();
    expect(after!.containerId).toBe(before!.containerId); // started again, not recreated
    expect(after!.restartCount).toBe(1);
    await waitFor("serving after reconcile", () => serves(port), 5000);

    // The process dies on its own (killed from the host): the engine's restart policy brings it back.
    process.kill((await inspect(after!.containerId)).State.Pid, "SIGKILL");
    await waitFor("restarted by the engine", async () => (await inspect(after!.containerId)).RestartCount >= 1, 10_000);
    await waitFor("serving after the engine restarted it", () => serves(port), 10_000);
  });

  test("a version bump replaces the container; still exactly one", async () => {
    const node = newNode();
    const { desired, port } = await withPort("web", 0);
    await node.reconciler.reconcile([desired]);
    const [v1] = await node.reconciler.observe();

    const v2 = { ...desired, version: 2 };
    const steps = node.reconciler.plan([v2], [v1!], new Set([TEST_IMAGE]));
    expect(steps.map((s) => s.kind)).toEqual(["remove", "create", "start"]);
    const statuses = await node.reconciler.reconcile([v2]);
    expect(statuses).toEqual([{ appId: desired.appId, app: "web", replica: 0, version: 2, state: "running", reason: "" }]);

    const actual = await node.reconciler.observe();
    expect(actual.length).toBe(1);
    expect(actual[0]!.containerId).not.toBe(v1!.containerId);
    expect(actual[0]!.version).toBe(2);
    await waitFor("v2 serving", () => serves(port), 5000);
  });

  test("a new publish address (reload) recreates the container bound to it; then nothing changes", async () => {
    const node = newNode();
    const { desired, port } = await withPort("web", 0);
    await node.reconciler.reconcile([desired]);
    const [before] = await node.reconciler.observe();
    expect((await inspect(before!.containerId)).HostConfig.PortBindings).toEqual({ "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] });

    node.reconciler.configure({ publishAddress: "127.0.0.2", registries: [] });
    const [status] = await node.reconciler.reconcile([desired]);
    expect(status!.state).toBe("running");
    const [after] = await node.reconciler.observe();
    expect(after!.containerId).not.toBe(before!.containerId);
    expect((await inspect(after!.containerId)).HostConfig.PortBindings).toEqual({ "80/tcp": [{ HostIp: "127.0.0.2", HostPort: String(port) }] });
    expect(node.logs.some((l) => l.includes(`remove ${before!.name} (its settings changed`))).toBe(true);
    await waitFor("serving on the new address", async () => (await fetch(`http://127.0.0.2:${port}/`).then((r) => r.text()).catch(() => "")) === TEST_INDEX_HTML, 5000);
    expect(node.reconciler.plan([desired], await node.reconciler.observe(), new Set([TEST_IMAGE]))).toEqual([]);
  });

  test("a version bump to an image that cannot be pulled keeps the old version running", async () => {
    const node = newNode();
    const { desired, port } = await withPort("web", 0);
    await node.reconciler.reconcile([desired]);
    const [v1] = await node.reconciler.observe();

    const v2 = { ...desired, version: 2, spec: { ...desired.spec, image: "nonexistent.invalid/web:2" } };
    const [status] = await node.reconciler.reconcile([v2]);
    expect(status!.state).toBe("failed");
    expect(status!.reason).toStartWith("image nonexistent.invalid/web:2 not found locally and could not be pulled: ");
    const actual = await node.reconciler.observe();
    expect(actual.map((a) => [a.containerId, a.version, a.running])).toEqual([[v1!.containerId, 1, true]]);
    await waitFor("v1 still serving", () => serves(port), 5000);
  });

  test("an image that cannot be pulled fails its replica only, with a readable reason", async () => {
    const node = newNode();
    const missing = replica("ghost", 0, { image: "nonexistent.invalid/nothing:1" });
    const { desired: good, port } = await withPort("web", 0);
    const statuses = await node.reconciler.reconcile([missing, good]);

    expect(statuses[0]!.state).toBe("failed");
    expect(statuses[0]!.reason).toMatch(/^image nonexistent\.invalid\/nothing:1 not found locally and could not be pulled: .+/);
    expect(statuses[0]!.reason).not.toContain("\n");
    expect(statuses[0]!.reason).not.toContain("HTTP code");
    expect(statuses[1]!.state).toBe("running");
    await waitFor("the other replica serving", () => serves(port), 5000);
    expect((await node.reconciler.observe()).map((r) => r.app)).toEqual(["web"]);
  });

  test("registries are tried in order and each failure is named", async () => {
    const node = newNode({ settings: { publishAddress: "127.0.0.1", registries: ["mirror-one.invalid:5000", "mirror-two.invalid"] } });
    const [status] = await node.reconciler.reconcile([replica("ghost", 0, { image: "team/app:3" })]);
    expect(status!.state).toBe("failed");
    expect(status!.reason).toStartWith("image team/app:3 not found locally and could not be pulled: mirror-one.invalid:5000/team/app:3: ");
    expect(status!.reason).toContain("; mirror-two.invalid/team/app:3: ");
  });

  test("a pull from a registry logs its start, a summary and done, and retags the image to its plain name", async () => {
    const registry = startRegistry("ok");
    const image = `edge-agent-test/pulled-${randomBytes(3).toString("hex")}:1`;
    const lines: string[] = [];
    try {
      await pullImage(docker, image, [registry.host], (l) => lines.push(l));
      const ref = `${registry.host}/${image}`;
      const mb = (registry.layerBytes / 2 ** 20).toFixed(1);
      expect(lines[0]).toBe(`pull ${ref}: starting`);
      expect(lines.at(-1)).toBe(`pull ${ref}: 1/1 layers, ${mb}/${mb} MB, done`);
      expect(lines.slice(1, -1).every((l) => l.startsWith(`pull ${ref}: `) && / layers, [\d.]+\/[\d.]+ MB$/.test(l))).toBe(true);
      expect((await docker.getImage(image).inspect()).RepoTags).toEqual(expect.arrayContaining([image, ref]));
    } finally {
      registry.stop();
      for (const name of [image, `${registry.host}/${image}`]) await docker.getImage(name).remove({ force: true }).catch(() => undefined);
    }
  });

  test("a pull whose stream reports an error fails with the engine's message", async () => {
    // dockerd 20.10 (Debian) sometimes reports nothing more after logging "Attempting next endpoint for pull after
    // error: filesystem layer verification failed" (seen three times in about a dozen runs, the last on an engine that had run a whole
    // suite): the pull is then abandoned for silence, which is the agent's rule for a hung engine, not the case under
    // test. So a silent attempt is tried once more, with a fresh registry and image; the engine's report is asserted.
    for (let attempt = 1; ; attempt++) {
      const registry = startRegistry("corrupt-layer");
      const image = `edge-agent-test/pulled-${randomBytes(3).toString("hex")}:1`;
      try {
        const failure = await pullImage(docker, image, [registry.host], () => {}, 20_000).then(() => "pulled", (err: Error) => err.message);
        if (attempt === 1 && failure === `${registry.host}/${image}: no progress for 20 s`) continue;
        expect(failure).toMatch(new RegExp(`^${registry.host}/${image}: filesystem layer verification failed for digest sha256:[0-9a-f]{64}$`));
        expect(await docker.getImage(image).inspect().then(() => true, () => false)).toBe(false);
        return;
      } finally {
        registry.stop();
      }
    }
  }, 60_000);

  test("a pull that reports nothing for the silence limit is abandoned", async () => {
    const registry = startRegistry("stall-layer");
    const image = `edge-agent-test/pulled-${randomBytes(3).toString("hex")}:1`;
    try {
      const started = Date.now();
      await expect(pullImage(docker, image, [registry.host], () => {}, 2000)).rejects.toThrow(`${registry.host}/${image}: no progress for 2 s`);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      registry.stop();
    }
  });

  test("env, limits, ports, restart policy and labels are visible in docker inspect", async () => {
    const node = newNode();
    const port = await freePort();
    const desired = replica("web", 2, {
      env: { GREETING: "hello world", EMPTY: "" },
      memoryMB: 64,
      cpuMilli: 500,
      ports: [{ host: port, container: 80, protocol: "tcp" }],
    });
    await node.reconciler.reconcile([desired]);
    const [actual] = await node.reconciler.observe();
    const info = await inspect(actual!.containerId);

    expect(info.Config.Env).toEqual(expect.arrayContaining(["GREETING=hello world", "EMPTY=", "EDGE_AGENT_APP=web", "EDGE_AGENT_REPLICA=2", `EDGE_AGENT_NODE=${node.name}`]));
    expect(info.HostConfig.Memory).toBe(64 * 2 ** 20);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
    expect(info.HostConfig.PortBindings).toEqual({ "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] });
    expect(info.Config.Labels).toEqual({
      [LABEL.node]: node.address.toLowerCase(),
      [LABEL.cluster]: "0xc0ffee0000000000000000000000000000000001",
      [LABEL.appId]: desired.appId,
      [LABEL.app]: "web",
      [LABEL.replica]: "2",
      [LABEL.version]: "1",
      [LABEL.config]: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const printed = await exec(actual!.containerId, ["sh", "-c", 'echo "$GREETING/$EDGE_AGENT_REPLICA"']);
    expect(printed.trim()).toBe("hello world/2");
  });

  test("a host port already in use fails that replica with a clear reason, and the container is reused next time", async () => {
    const node = newNode();
    const port = await freePort();
    const squatter = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
    try {
      const desired = replica("web", 0, { ports: [{ host: port, container: 80, protocol: "tcp" }] });
      const [first] = await node.reconciler.reconcile([desired]);
      expect(first!.state).toBe("failed");
      expect(first!.reason).toBe(`host port 127.0.0.1:${port} is already in use`);
      const [second] = await node.reconciler.reconcile([desired]);
      expect(second!.state).toBe("failed");
      expect(second!.reason).toBe(`host port 127.0.0.1:${port} is already in use`);
      expect((await node.reconciler.observe()).length).toBe(1);
    } finally {
      squatter.stop(true);
    }
  });

  test("a replica whose process keeps exiting is reported failed with its exit code", async () => {
    const node = newNode();
    await buildCrashingImage();
    const desired = replica("crash", 0, { image: CRASHING_IMAGE });
    await node.reconciler.reconcile([desired]);
    const [container] = await node.reconciler.observe();
    await waitFor("three engine restarts", async () => (await inspect(container!.containerId)).RestartCount >= 3, 15_000);
    // Retried: a reconcile may catch the container in the few ms it runs between two restarts.
    let status: ReplicaStatus | undefined;
    await waitFor("a failed status", async () => ([status] = await node.reconciler.reconcile([desired]))[0]!.state === "failed", 10_000);
    expect(status!.reason).toMatch(/^container exited repeatedly with code 3 \(\d+ restarts\)$/);
    expect((await node.reconciler.observe()).map((r) => r.containerId)).toEqual([container!.containerId]);
  });

  test("watch() reports our container dying, not others'", async () => {
    const node = newNode();
    const other = newNode();
    await node.reconciler.reconcile([replica("web", 0)]);
    const othersId = await foreignContainer({ [LABEL.node]: other.address.toLowerCase() });
    const [ours] = await node.reconciler.observe();

    let changes = 0;
    let otherChanges = 0;
    const stop = node.reconciler.watch(() => changes++);
    // The control: a watcher for the other node's label, showing the foreign container's death was on the stream.
    const stopOther = other.reconciler.watch(() => otherChanges++);
    try {
      await waitFor("both events streams connected", () => [node, other].every((n) => n.logs.includes("docker events: connected")), 5000);
      await docker.getContainer(othersId).kill();
      await waitFor("the other node's watcher reported its container dying", () => otherChanges > 0, 5000);
      // Our stream carried that event at the same moment, so a change for it would have been reported by now (same
      // 50 ms coalescing as the control's), apart from the one our own container's death brings next.
      await docker.getContainer(ours!.containerId).kill();
      await waitFor("onChange after our container died", () => changes > 0, 5000);
      expect(changes).toBe(1); // ours only: none for the foreign container before it
      expect(otherChanges).toBe(1); // and the other node's watcher did not report ours
    } finally {
      stop();
      stopOther();
    }
  });

  test("watch() reconnects after the engine goes away and comes back", async () => {
    const proxy = await startSocketProxy();
    try {
      const viaProxy = new DockerClient({ socketPath: proxy.path });
      // Counts the watcher's subscriptions, so the test can wait for reconnect attempts that fail.
      let subscriptions = 0;
      const getEvents = viaProxy.getEvents.bind(viaProxy) as (opts: object) => Promise<unknown>;
      viaProxy.getEvents = ((opts: object) => (subscriptions++, getEvents(opts))) as typeof viaProxy.getEvents;
      const node = newNode({ docker: viaProxy });
      await node.reconciler.reconcile([replica("web", 0)]);
      const [ours] = await node.reconciler.observe();

      let changes = 0;
      const stop = node.reconciler.watch(() => changes++);
      try {
        await waitFor("the events stream connected", () => node.logs.includes("docker events: connected"), 5000);
        expect(subscriptions).toBe(1);
        proxy.down();
        await waitFor("watch noticed the loss", () => node.logs.some((l) => l.includes("reconnecting")), 5000);
        await waitFor("two reconnect attempts failed (a third begun)", () => subscriptions >= 4, 10_000);
        expect(node.logs).not.toContain("docker events: reconnected");
        expect(changes).toBe(0);
        proxy.up();
        await waitFor("onChange after reconnecting", () => changes > 0, 10_000);
        expect(node.logs).toContain("docker events: reconnected");

        changes = 0;
        await docker.getContainer(ours!.containerId).kill();
        await waitFor("events flow again", () => changes > 0, 5000);
      } finally {
        stop();
      }
    } finally {
      proxy.down();
    }
  });
});

test("pull progress is one summary line at most once per interval", () => {
  const lines: string[] = [];
  let now = 0;
  const progress = new PullProgress("busybox:1", (l) => lines.push(l), 1000, () => now);
  progress.update({ status: "Pulling from library/busybox", id: "1" });
  progress.update({ status: "Pulling fs layer", id: "aa" });
  progress.update({ status: "Downloading", id: "aa", progressDetail: { current: 2 ** 20, total: 4 * 2 ** 20 } });
  now = 500;
  progress.update({ status: "Downloading", id: "aa", progressDetail: { current: 2 * 2 ** 20, total: 4 * 2 ** 20 } });
  now = 1200;
  progress.update({ status: "Download complete", id: "aa" });
  progress.update({ status: "Pull complete", id: "aa" });
  expect(lines).toEqual(["pull busybox:1: 0/1 layers, 0.0/0.0 MB", "pull busybox:1: 0/1 layers, 4.0/4.0 MB"]);
  expect(progress.summary()).toBe("pull busybox:1: 1/1 layers, 4.0/4.0 MB");
});

/** TEST_IMAGE committed with a CMD that exits 3 at once. */
async function buildCrashingImage(): Promise<void> {
  const c = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ["true"] });
  try {
    const [repo, tag] = CRASHING_IMAGE.split(":");
    await c.commit({ repo, tag, changes: ['CMD ["sh", "-c", "exit 3"]'] });
  } finally {
    await c.remove({ force: true });
  }
}

async function exec(id: string, cmd: string[]): Promise<string> {
  const run = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await run.start({});
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  await new Promise((resolve) => stream.on("end", resolve));
  // Multiplexed stream: 8-byte frame headers before each payload.
  const raw = Buffer.concat(chunks);
  let out = "";
  for (let i = 0; i + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(i + 4);
    out += raw.subarray(i + 8, i + 8 + size).toString();
    i += 8 + size;
  }
  return out;
}

/** A unix socket that forwards to the engine's, and can be taken down and up again like a restarting engine. */
async function startSocketProxy(): Promise<{ path: string; down(): void; up(): void }> {
  const path = join(tmpdir(), `edge-agent-docker-proxy-${randomBytes(4).toString("hex")}.sock`);
  type Pair = { upstream?: Bun.Socket<undefined>; pending: Buffer[] };
  let server: Bun.UnixSocketListener<Pair> | undefined;
  const clients = new Set<Bun.Socket<Pair>>();
  const up = () => {
    rmSync(path, { force: true });
    server = Bun.listen<Pair>({
      unix: path,
      socket: {
        open(client) {
          clients.add(client);
          client.data = { pending: [] };
          void Bun.connect({
            unix: "/var/run/docker.sock",
            socket: {
              data: (_, chunk) => void client.write(chunk),
              close: () => void client.end(),
              error: () => void client.end(),
            },
          }).then((upstream) => {
            client.data.upstream = upstream;
            for (const chunk of client.data.pending.splice(0)) upstream.write(chunk);
          }, () => client.end());
        },
        data(client, chunk) {
          if (client.data.upstream) client.data.upstream.write(chunk);
          else client.data.pending.push(Buffer.from(chunk));
        },
        close(client) {
          clients.delete(client);
          client.data.upstream?.end();
        },
      },
    });
  };
  const down = () => {
    server?.stop(true);
    server = undefined;
    for (const client of clients) client.terminate();
    clients.clear();
    rmSync(path, { force: true });
  };
  up();
  return { path, up, down };
}
