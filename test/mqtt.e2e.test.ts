// End to end, with real clients (npm mqtt, mosquitto_pub/mosquitto_sub) against real `edge-agent run` daemons on
// anvil: device credentials from the on-chain directory, ACLs, limits, the twin across a restart and a failover,
// Merkle-batched telemetry, and bridge mode to a running mosquitto.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt, { type MqttClient } from "mqtt";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AddedDevice, DeviceView } from "../lib/mqtt";
import { startAgent } from "./support/agents";
import { startAnvil, type Anvil } from "./support/anvil";
import { cli, cliOk, oneLineError, removeTempDirs, type TestNode } from "./support/cli";
import { ensureDocker } from "./support/dockerd";
import { startMosquitto, type Mosquitto } from "./support/mosquitto";
import { MqttNodes, type MqttSetting } from "./support/mqtt-nodes";
import { waitFor } from "./support/ports";

let anvil: Anvil;
let mosquitto: Mosquitto;
const fog = new MqttNodes();
const { nodes, agents, ports } = fog;
const creds = new Map<string, string>();
const clients: MqttClient[] = [];

const url = (i: number) => `mqtt://127.0.0.1:${ports[i]}`;
const proxyUp = (i: number, starts = 1) => fog.proxyUp(i, starts);
const proxyStarts = (i: number) => fog.proxyStarts(i);
/** A node with the proxy on loopback, small payload and rate limits, plus `mqttSettings`. */
const addNode = (name: string, mqttSettings: MqttSetting[]) =>
  fog.add(anvil.url, name, (port) => [["listen", `127.0.0.1:${port}`], ["max_payload_bytes", 1024], ["max_messages_per_second", 20], ...mqttSettings]);

async function addDevice(node: TestNode, id: string): Promise<void> {
  const r: AddedDevice = JSON.parse((await cliOk(["device", "add", id, "--type", "dht22", "--labels", "room=lab", "--json", ...node.c])).stdout);
  creds.set(id, r.password);
}

/** A connected device client (no automatic reconnect unless `servers` is given). */
async function device(id: string, at: string | string[], password = creds.get(id)!): Promise<MqttClient> {
  const servers = Array.isArray(at) ? at.map((u) => ({ host: "127.0.0.1", port: Number(u.split(":").pop()) })) : undefined;
  const c = await mqtt.connectAsync(Array.isArray(at) ? at[0]! : at, { username: id, password, reconnectPeriod: servers ? 300 : 0, connectTimeout: 5000, ...(servers ? { servers } : {}) });
  clients.push(c);
  return c;
}

const closed = (c: MqttClient) => new Promise<void>((resolve) => (c.connected ? c.once("close", () => resolve()) : resolve()));
/** The first JSON message on `topic` that satisfies `accept`. */
const nextMessage = (c: MqttClient, topic: string, accept: (m: Record<string, any>) => boolean = () => true, timeoutMs = 15_000) =>
  new Promise<Record<string, any>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no matching message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
    const on = (tp: string, p: Buffer) => {
      const m = JSON.parse(p.toString());
      if (tp !== topic || !accept(m)) return;
      clearTimeout(t);
      c.off("message", on);
      resolve(m);
    };
    c.on("message", on);
  });

const deviceList = async (node: TestNode): Promise<DeviceView[]> => JSON.parse((await cliOk(["device", "ls", "--json", ...node.c])).stdout);

beforeAll(async () => {
  await ensureDocker();
  anvil = await startAnvil();
  mosquitto = await startMosquitto();
  await addNode("fog-a", []);
  await addNode("fog-b", []);
  await addNode("fog-c", [["mode", "bridge"], ["bridge_url", mosquitto.url]]);
  await Promise.all([0, 1, 2].map((i) => proxyUp(i)));
  for (const id of ["sensor-1", "sensor-2"]) await addDevice(nodes[0]!, id);
  await addDevice(nodes[1]!, "sensor-3");
}, 180_000);

afterAll(async () => {
  if (process.env.SHOW_AGENT_LOGS) for (const a of agents) console.log(a.logText());
  for (const c of clients) c.end(true);
  for (const a of agents) await a.stop("SIGTERM").catch(() => {});
  await mosquitto?.stop();
  await anvil?.stop();
  removeTempDirs();
});

describe("device identity", () => {
  test("device add registers on chain under its node; ls shows it to every node; the password is never listed", async () => {
    const list = await deviceList(nodes[1]!);
    const s1 = list.find((d) => d.id === "sensor-1")!;
    expect(s1).toMatchObject({ type: "dht22", labels: { room: "lab" }, nodeName: "fog-a", node: nodes[0]!.address });
    expect(JSON.stringify(list)).not.toContain(creds.get("sensor-1")!);
    expect(creds.get("sensor-1")!.length).toBeGreaterThanOrEqual(40);
  });

  test("only the owning fog node may remove a device (contract-enforced)", async () => {
    const line = oneLineError(await cli(["device", "rm", "sensor-1", ...nodes[1]!.c]));
    expect(line).toContain("belongs to fog node");
    expect((await deviceList(nodes[0]!)).some((d) => d.id === "sensor-1")).toBe(true);
  });

  test("bad input is one line", async () => {
    expect(oneLineError(await cli(["device", "add", "bad/id", ...nodes[0]!.c]))).toContain('invalid device id "bad/id"');
    expect(oneLineError(await cli(["device", "add", "sensor-1", ...nodes[0]!.c]))).toContain('already registered');
  });
});

describe("embedded broker", () => {
  test("auth failure: wrong password and unknown devices are refused (npm mqtt and mosquitto_pub)", async () => {
    await expect(device("sensor-1", url(0), "not-the-password")).rejects.toThrow(/Not authorized|Bad username or password/i);
    await expect(device("ghost", url(0), "whatever")).rejects.toThrow(/Not authorized|Bad username or password/i);
    const pub = Bun.spawnSync(["mosquitto_pub", "-h", "127.0.0.1", "-p", String(ports[0]), "-u", "sensor-1", "-P", "wrong", "-t", "devices/sensor-1/telemetry", "-m", "x"]);
    expect(pub.exitCode).not.toBe(0);
    expect(pub.stderr.toString()).toMatch(/not authori[sz]ed|bad user name or password/i);
    const ok = Bun.spawnSync(["mosquitto_pub", "-h", "127.0.0.1", "-p", String(ports[0]), "-u", "sensor-1", "-P", creds.get("sensor-1")!, "-t", "devices/sensor-1/telemetry", "-m", "21.5"]);
    expect(ok.exitCode).toBe(0);
  });

  test("ACL: a device cannot subscribe to or publish under another device's topics", async () => {
    const victim = await device("sensor-2", url(0));
    await victim.subscribeAsync("devices/sensor-2/#");
    let forged = 0;
    let marked: () => void;
    const marker = new Promise<void>((resolve) => (marked = resolve));
    victim.on("message", (t, p) => {
      if (t !== "devices/sensor-2/telemetry") return;
      if (p.toString() === "forged") forged++;
      if (p.toString() === "marker") marked();
    });

    const spy = await device("sensor-1", url(0));
    const granted = await spy.subscribeAsync("devices/sensor-2/#").catch(() => [{ qos: 128 }]);
    expect(granted[0]!.qos).toBe(128);

    const attacker = await device("sensor-1", url(0));
    const gone = closed(attacker);
    attacker.publish("devices/sensor-2/telemetry", "forged");
    await gone;
    // The victim's own message on that topic, sent after the broker cut the attacker off: had the forged one been
    // relayed, it would have reached the victim before this marker.
    victim.publish("devices/sensor-2/telemetry", "marker");
    await marker;
    expect(forged).toBe(0);
    expect(victim.connected).toBe(true);
  });

  test("oversized payload and a flood cut off only the offender; another device keeps working", async () => {
    const bystander = await device("sensor-2", url(0));
    await bystander.subscribeAsync("devices/sensor-2/telemetry");

    const big = await device("sensor-1", url(0));
    const bigGone = closed(big);
    big.publish("devices/sensor-1/telemetry", Buffer.alloc(4096, 1));
    await bigGone;

    const flooder = await device("sensor-1", url(0));
    const floodGone = closed(flooder);
    for (let i = 0; i < 200; i++) flooder.publish("devices/sensor-1/telemetry", `m${i}`);
    await floodGone;

    const got = nextMessage(bystander, "devices/sensor-2/telemetry");
    bystander.publish("devices/sensor-2/telemetry", JSON.stringify({ t: 20 }));
    expect(await got).toEqual({ t: 20 });
    expect(bystander.connected).toBe(true);
  });
});

describe("device twin", () => {
  test("desired → delta → reported round trip, persisted across an agent restart", async () => {
    const d = await device("sensor-1", url(0));
    await d.subscribeAsync(["$hw/events/device/sensor-1/twin/update/delta", "$hw/events/device/sensor-1/twin/get/result"]);
    const deltaTopic = "$hw/events/device/sensor-1/twin/update/delta";
    const delta = nextMessage(d, deltaTopic, (m) => m.delta.interval === 5);
    await cliOk(["device", "set", "sensor-1", "interval=5", "mode=eco", ...nodes[0]!.c]);
    expect((await delta).delta).toEqual({ interval: 5, mode: "eco" });

    const settled = nextMessage(d, deltaTopic, (m) => m.version === 1 && Object.keys(m.delta).length === 0);
    d.publish("$hw/events/device/sensor-1/twin/update", JSON.stringify({ reported: { interval: 5, mode: "eco", battery: 87 } }));
    await settled;
    d.end(true);

    const starts = proxyStarts(0);
    await agents[0]!.stop("SIGTERM");
    agents[0] = startAgent(nodes[0]!);
    await proxyUp(0, starts + 1);
    const s1 = (await deviceList(nodes[0]!)).find((x) => x.id === "sensor-1")!;
    expect(s1.desired).toEqual({ interval: 5, mode: "eco" });
    expect(s1.reported).toEqual({ interval: 5, mode: "eco", battery: 87 });

    // mosquitto_sub as the device after the restart: the retained delta is empty, the twin comes back whole.
    // -d prints the protocol exchange (line-buffered by stdbuf: a pipe would hold it until exit), so the request
    // is sent once the SUBACK is in, not after a guessed delay.
    const sub = Bun.spawn(["stdbuf", "-oL", "mosquitto_sub", "-d", "-h", "127.0.0.1", "-p", String(ports[0]), "-u", "sensor-1", "-P", creds.get("sensor-1")!, "-t", "$hw/events/device/sensor-1/twin/get/result", "-C", "1", "-W", "10"], { stdout: "pipe" });
    const out = sub.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let printed = "";
    const untilPrinted = async (pattern: RegExp) => {
      while (!pattern.test(printed)) {
        const { value, done } = await out.read();
        if (done) throw new Error(`mosquitto_sub ended before ${pattern}:\n${printed}`);
        printed += value;
      }
    };
    await untilPrinted(/received SUBACK/);
    const ask = Bun.spawnSync(["mosquitto_pub", "-h", "127.0.0.1", "-p", String(ports[0]), "-u", "sensor-1", "-P", creds.get("sensor-1")!, "-t", "$hw/events/device/sensor-1/twin/get", "-m", "{}"]);
    expect(ask.exitCode).toBe(0);
    await untilPrinted(/^\{.*\}$/m);
    expect(await sub.exited).toBe(0);
    const twin = JSON.parse(/^\{.*\}$/m.exec(printed)![0]);
    expect(twin).toEqual({ version: 1, desired: { interval: 5, mode: "eco" }, reported: { interval: 5, mode: "eco", battery: 87 } });
  }, 60_000);
});

describe("tamper-evident telemetry", () => {
  test("a relayed message's Merkle proof verifies against the root on chain; one changed byte fails", async () => {
    const d = await device("sensor-2", url(0));
    for (let i = 0; i < 5; i++) await d.publishAsync("devices/sensor-2/telemetry/temp", JSON.stringify({ seq: i, celsius: 20 + i }), { qos: 1 });
    const dir = nodes[0]!.dir;
    let proof = "";
    await waitFor("a batch with the last message", async () => {
      const r = await cli(["device", "proof", "sensor-2", ...nodes[0]!.c]);
      proof = r.stdout;
      return r.exitCode === 0 && Buffer.from(JSON.parse(proof).payload, "base64").toString() === JSON.stringify({ seq: 4, celsius: 24 });
    }, 20_000);
    const good = join(dir, "message.json");
    writeFileSync(good, proof);
    const verified = await cliOk(["device", "verify", "sensor-2", "--message", good, "--json", ...nodes[0]!.c]);
    expect(JSON.parse(verified.stdout)).toMatchObject({ valid: true });
    expect(JSON.parse(verified.stdout).block).toBeGreaterThan(0);

    // Another node verifies the same document from chain data alone.
    expect((await cli(["device", "verify", "sensor-2", "--message", good, ...nodes[1]!.c])).exitCode).toBe(0);

    const doc = JSON.parse(readFileSync(good, "utf8"));
    const payload = Buffer.from(doc.payload, "base64");
    payload[payload.length - 2]! ^= 0x01;
    const bad = join(dir, "tampered.json");
    writeFileSync(bad, JSON.stringify({ ...doc, payload: payload.toString("base64") }));
    expect(oneLineError(await cli(["device", "verify", "sensor-2", "--message", bad, ...nodes[0]!.c]))).toContain("Merkle proof does not lead");
    // Without the proof, the tampered message is in no batch.
    const { proof: _p, root: _r, ...bare } = JSON.parse(readFileSync(bad, "utf8"));
    writeFileSync(bad, JSON.stringify(bare));
    expect(oneLineError(await cli(["device", "verify", "sensor-2", "--message", bad, ...nodes[0]!.c]))).toContain("in no batch");
  }, 60_000);
});

describe("failover", () => {
  test("a device whose agent dies reconnects to another listed broker with the same credentials and gets its twin", async () => {
    await cliOk(["device", "set", "sensor-3", "led=on", ...nodes[1]!.c]);
    const d = await device("sensor-3", [url(0), url(1)]);
    await d.subscribeAsync("$hw/events/device/sensor-3/twin/update/delta");
    expect(d.options.port).toBe(ports[0]);

    const starts = proxyStarts(0);
    const onB = nextMessage(d, "$hw/events/device/sensor-3/twin/update/delta", () => d.options.port === ports[1], 20_000);
    await agents[0]!.stop("SIGKILL");
    expect((await onB).delta).toEqual({ led: "on" });
    expect(d.connected).toBe(true);

    agents[0] = startAgent(nodes[0]!);
    await proxyUp(0, starts + 1);
  }, 60_000);

  test("device rm revokes the credentials on every agent", async () => {
    const d = await device("sensor-3", url(1));
    const gone = closed(d);
    await cliOk(["device", "rm", "sensor-3", ...nodes[1]!.c]);
    await gone;
    // Other agents notice within their sync interval (300 ms here).
    await waitFor("agent A refusing sensor-3", () => device("sensor-3", url(0)).then((c) => (c.end(true), false), () => true), 5000);
    await expect(device("sensor-3", url(0))).rejects.toThrow(/Not authorized|Bad username or password/i);
  }, 30_000);
});

describe("bridge mode", () => {
  test("an agent bridged to a running mosquitto relays and batches telemetry and publishes twin deltas there", async () => {
    await cliOk(["device", "set", "sensor-2", "fan=high", ...nodes[2]!.c]);
    // The delta is retained on the site broker: a device subscribing later still gets it.
    let delta: unknown;
    await waitFor("the delta on mosquitto", () => {
      const sub = Bun.spawnSync(["mosquitto_sub", "-h", "127.0.0.1", "-p", String(mosquitto.port), "-t", "$hw/events/device/sensor-2/twin/update/delta", "-C", "1", "-W", "5"]);
      delta = JSON.parse(sub.stdout.toString()).delta;
      return JSON.stringify(delta) === JSON.stringify({ fan: "high" });
    }, 10_000).catch(() => expect(delta).toEqual({ fan: "high" }));

    for (let i = 0; i < 3; i++) {
      const pub = Bun.spawnSync(["mosquitto_pub", "-h", "127.0.0.1", "-p", String(mosquitto.port), "-t", "devices/sensor-2/telemetry", "-m", `bridged-${i}`, "-q", "1"]);
      expect(pub.exitCode).toBe(0);
    }
    await waitFor("the bridged batch", async () => {
      const r = await cli(["device", "proof", "sensor-2", ...nodes[2]!.c]);
      return r.exitCode === 0 && Buffer.from(JSON.parse(r.stdout).payload, "base64").toString() === "bridged-2";
    }, 20_000);
    const file = join(nodes[2]!.dir, "bridged.json");
    writeFileSync(file, (await cliOk(["device", "proof", "sensor-2", ...nodes[2]!.c])).stdout);
    expect((await cli(["device", "verify", "sensor-2", "--message", file, ...nodes[2]!.c])).exitCode).toBe(0);
  }, 60_000);
});
