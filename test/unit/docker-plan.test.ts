// The Docker planner, pure: desired replicas vs observed containers → ordered steps; whole-config comparison.
import { describe, expect, test } from "bun:test";
import type { AppSpec, DesiredReplica } from "../../lib/apps/types";
import type { ActualReplica } from "../../lib/docker";
import { containerConfigHash, containerCreateOptions, type ContainerContext } from "../../lib/docker/container-spec";
import { LABEL } from "../../lib/docker/labels";
import { planSteps } from "../../lib/docker/plan";

const IMAGE = "edge-agent-test:busybox";
const images = new Set([IMAGE]);
const ctx: ContainerContext = { nodeAddress: "0xab", nodeName: "n", cluster: "0xc1", publishAddress: "127.0.0.1" };
const hash = (r: DesiredReplica) => containerConfigHash(r, ctx);

function spec(overrides: Partial<AppSpec> = {}): AppSpec {
  return { image: IMAGE, replicas: 1, ports: [], env: {}, cpuMilli: 0, memoryMB: 0, selector: {}, spread: false, everyNode: false, pin: null, ...overrides };
}

function replica(app: string, n: number, overrides: Partial<AppSpec> = {}, version = 1): DesiredReplica {
  return { appId: `0x${Buffer.from(app).toString("hex").padEnd(64, "0")}`, app, replica: n, version, spec: spec(overrides) };
}

const actual = (over: Partial<ActualReplica>): ActualReplica => ({
  containerId: "c0",
  name: "ea-n-web-0",
  appId: replica("web", 0).appId,
  app: "web",
  replica: 0,
  version: 1,
  configHash: hash(replica("web", 0)),
  running: true,
  state: "running",
  exitCode: 0,
  restartCount: 0,
  ...over,
});

describe("planSteps", () => {
  test("orders pulls, removals, creates, starts, and sorts each group", () => {
    const desired = [replica("web", 1, { image: "b:1" }), replica("web", 0, { image: "a:1" }), replica("api", 0)];
    const steps = planSteps(desired, [actual({ appId: "0xold", app: "old", containerId: "z" })], images, "n", hash);
    expect(steps.map((s) => s.kind + ":" + ("image" in s ? s.image : "replica" in s ? `${s.replica.app}-${s.replica.replica}` : s.container.name))).toEqual([
      "pull:a:1",
      "pull:b:1",
      "remove:ea-n-web-0",
      "create:api-0",
      "create:web-0",
      "create:web-1",
      "start:api-0",
      "start:web-0",
      "start:web-1",
    ]);
  });

  test("keeps the best of duplicates and removes the rest", () => {
    const stale = actual({ containerId: "a", name: "other", version: 0, running: false, state: "exited" });
    const good = actual({ containerId: "b" });
    const steps = planSteps([replica("web", 0)], [stale, good], images, "n", hash);
    expect(steps).toEqual([{ kind: "remove", container: stale, reason: "duplicate of ea-n-web-0" }]);
  });

  test("restarting containers are left to the engine; paused ones unpaused; dead ones replaced", () => {
    expect(planSteps([replica("web", 0)], [actual({ running: false, state: "restarting" })], images, "n", hash)).toEqual([]);
    expect(planSteps([replica("web", 0)], [actual({ running: false, state: "paused" })], images, "n", hash).map((s) => s.kind)).toEqual(["unpause"]);
    expect(planSteps([replica("web", 0)], [actual({ running: false, state: "dead" })], images, "n", hash).map((s) => s.kind)).toEqual(["remove", "create", "start"]);
  });

  test("names are sanitized, and made unique when two apps sanitize alike", () => {
    const one = replica("my app", 0);
    const two = { ...replica("my/app", 0), appId: "0x1234567890" }; // sorts first, so keeps the plain name
    const names = planSteps([one, two], [], images, "Node 1", hash).flatMap((s) => (s.kind === "create" ? [s.name] : []));
    expect(names.sort()).toEqual(["ea-Node-1-my-app-0", "ea-Node-1-my-app-6d792061-0"]);
  });
});

describe("whole-config comparison (the config-hash label)", () => {
  test("a container whose create options differ from the desired ones is replaced; equal ones are kept", () => {
    const want = replica("web", 0, { ports: [{ host: 8080, container: 80, protocol: "tcp" }] });
    const same = actual({ configHash: hash(want) });
    expect(planSteps([want], [same], images, "n", hash)).toEqual([]);
    const moved = (r: DesiredReplica) => containerConfigHash(r, { ...ctx, publishAddress: "10.0.0.5" });
    const steps = planSteps([want], [same], images, "n", moved);
    expect(steps.map((s) => s.kind)).toEqual(["remove", "create", "start"]);
    expect(steps[0]).toMatchObject({ kind: "remove", reason: expect.stringContaining("settings changed"), replacement: want });
  });

  test("the hash covers env injected by the agent and the log options, not only the spec", () => {
    const r = replica("web", 0);
    const withEnv = containerConfigHash(r, { ...ctx, extraEnv: () => ({ EDGE_MQTT_URL: "mqtt://172.17.0.1:1883" }) });
    expect(withEnv).not.toBe(hash(r));
    expect(hash(r)).toBe(hash(structuredClone(r))); // stable: equal options hash alike
  });

  test("the create options carry the hash label the planner compares", () => {
    const r = replica("web", 0, { env: { B: "2", A: "1" } });
    const options = containerCreateOptions(r, "ea-n-web-0", ctx);
    expect(options.name).toBe("ea-n-web-0");
    expect(options.Labels![LABEL.config]).toBe(hash(r));
    expect(options.HostConfig!.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } });
  });
});
