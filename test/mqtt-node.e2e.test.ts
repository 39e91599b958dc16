// End to end, one fog node's broker as apps and devices meet it: an app container gets the broker address and its own
// credentials and reaches the broker over the Docker bridge; MQTT over TLS; and an agent restarted while the chain is
// down still serving the devices it knew. Real anvil, dockerd, `edge-agent run` daemons, npm mqtt and mosquitto clients.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Docker from "dockerode";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AddedDevice } from "../lib/mqtt";
import { containersOf, removeContainersOf, startAgent } from "./support/agents";
import { startAnvil, type Anvil } from "./support/anvil";
import { cliOk, removeTempDirs, tempDir } from "./support/cli";
import { ensureDocker } from "./support/dockerd";
import { MqttNodes, type MqttSetting } from "./support/mqtt-nodes";
import { TEST_IMAGE, ensureTestImage } from "./support/images";

const GATEWAY = "172.17.0.1"; // the default Docker bridge's gateway: the host as containers see it
const APP_NODE = `fog-app-${process.pid}`; // container names carry the node name: no clash with a run that died
let docker: Docker;
let anvil: Anvil;
const fog = new MqttNodes();
const { nodes, agents, ports } = fog;
const creds = new Map<string, string>();
const clients: MqttClient[] = [];
let certs: { dir: string; cert: string; key: string; otherCa: string };

const addNode = (name: string, settings: (port: number) => MqttSetting[]) => fog.add(anvil.url, name, settings);
const proxyStarts = (i: number) => fog.proxyStarts(i);
const proxyUp = (i: number, starts = 1) => fog.proxyUp(i, starts);

async function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 4000, ...opts });
  clients.push(c);
  return c;
}

const nextPayload = (c: MqttClient, topic: string, timeoutMs = 10_000) =>
  new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nothing on ${topic} within ${timeoutMs} ms`)), timeoutMs);
    c.on("message", (tp, p) => tp === topic && (clearTimeout(t), resolve(p.toString())));
  });

/** A self-signed certificate for 127.0.0.1/localhost, by the openssl CLI. */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const r = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert]);
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  chmodSync(key, 0o600);
  return { cert, key };
}

/** An MQTT 3.1.1 CONNECT packet with user name and password, as octal escapes for busybox printf. */
function connectPacketEscaped(username: string, password: string): string {
  const str = (s: string) => [...[Buffer.byteLength(s) >> 8, Buffer.byteLength(s) & 0xff], ...Buffer.from(s)];
  const body = [...str("MQTT"), 4, 0xc2, 0, 60, ...str(`probe-${Date.now()}`), ...str(username), ...str(password)];
  const len: number[] = [];
  for (let n = body.length; ; ) { const b = n % 128; n = Math.floor(n / 128); len.push(n > 0 ? b | 0x80 : b); if (n === 0) break; }
  return [0x10, ...len, ...body].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");
}

beforeAll(async () => {
  docker = await ensureDocker();
  await ensureTestImage(docker);
  anvil = await startAnvil();
  const dir = tempDir();
  const own = selfSigned(dir, "broker");
  certs = { dir, ...own, otherCa: selfSigned(dir, "other").cert };
  // Apps: the broker opened on the Docker bridge gateway on purpose, and that address handed to containers.
  await addNode(APP_NODE, (port) => [["listen", `${GATEWAY}:${port}`], ["container_url", `mqtt://${GATEWAY}:${port}`]]);
  await addNode("fog-tls", (port) => [["listen", `127.0.0.1:${port}`], ["tls_cert", own.cert], ["tls_key", own.key]]);
  await Promise.all([0, 1].map((i) => proxyUp(i)));
  for (const id of ["sensor-1", "pump-1"]) {
    const r: AddedDevice = JSON.parse((await cliOk(["device", "add", id, "--json", ...nodes[0]!.c])).stdout);
    creds.set(id, r.password);
  }
}, 180_000);

afterAll(async () => {
  if (process.env.SHOW_AGENT_LOGS) for (const a of agents) console.log(a.logText());
  for (const c of clients) c.end(true);
  for (const a of agents) await a.stop("SIGTERM").catch(() => {});
  if (docker) await removeContainersOf(docker, nodes);
  await anvil?.stop();
  removeTempDirs();
});

describe("apps reach devices", () => {
  test("a container gets the broker URL and its own credentials, reaches the broker over the bridge, and reads only its devices", async () => {
    const appFile = join(nodes[0]!.dir, "app.toml");
    writeFileSync(appFile, `name = "reader"\nimage = "${TEST_IMAGE}"\npin = "${APP_NODE}"\ndevices = ["sensor-*"]\n`);
    await cliOk(["app", "deploy", "-f", appFile, "--wait", ...nodes[0]!.c]);
    const [info] = await containersOf(docker, nodes[0]!, "reader");
    const container = docker.getContainer(info!.Id);
    const env = Object.fromEntries(((await container.inspect()).Config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    expect(env).toMatchObject({ EDGE_MQTT_URL: `mqtt://${GATEWAY}:${ports[0]}`, EDGE_MQTT_USERNAME: "app:reader", EDGE_MQTT_DEVICES: "sensor-*" });
    expect(env.EDGE_MQTT_PASSWORD!.length).toBeGreaterThanOrEqual(40);

    // From inside the container: busybox nc sends an MQTT CONNECT with the env's credentials; CONNACK 0 = accepted,
    // 4 = bad user name or password. This is the network path and the login an app in the container would use.
    const [host, port] = env.EDGE_MQTT_URL!.replace("mqtt://", "").split(":");
    const connack = async (password: string) => {
      const r = Bun.spawnSync(["docker", "exec", info!.Id, "sh", "-c", `printf '${connectPacketEscaped(env.EDGE_MQTT_USERNAME!, password)}' | nc -w 2 ${host} ${port} | od -An -tx1`]);
      return r.stdout.toString().trim().split(/\s+/).join(" ");
    };
    expect(await connack(env.EDGE_MQTT_PASSWORD!)).toBe("20 02 00 00");
    expect(await connack("not-the-password")).toBe("20 02 00 04");

    // The same credentials with a real client: an allowed device's telemetry arrives; another device's is refused.
    const appLogin = { username: env.EDGE_MQTT_USERNAME!, password: env.EDGE_MQTT_PASSWORD! };
    const app = await connect(env.EDGE_MQTT_URL!, appLogin);
    expect((await app.subscribeAsync("devices/sensor-1/telemetry/#"))[0]!.qos).toBe(0);
    for (const forbidden of ["devices/pump-1/telemetry/#", "devices/+/telemetry/#"]) {
      const probe = await connect(env.EDGE_MQTT_URL!, appLogin); // a refused subscription disconnects (aedes)
      expect((await probe.subscribeAsync(forbidden).catch(() => [{ qos: 128 }]))[0]!.qos).toBe(128);
    }
    let pumpSeen = 0;
    app.on("message", (t) => t.startsWith("devices/pump-1/") && pumpSeen++);
    const sensor = await connect(env.EDGE_MQTT_URL!, { username: "sensor-1", password: creds.get("sensor-1")! });
    const pump = await connect(env.EDGE_MQTT_URL!, { username: "pump-1", password: creds.get("pump-1")! });
    const got = nextPayload(app, "devices/sensor-1/telemetry/temp");
    await pump.publishAsync("devices/pump-1/telemetry/flow", "3.2", { qos: 1 });
    await sensor.publishAsync("devices/sensor-1/telemetry/temp", "21.5", { qos: 1 });
    expect(await got).toBe("21.5");
    expect(pumpSeen).toBe(0);

    // Setting a device's desired twin outside its list cuts the app off.
    const gone = new Promise<void>((resolve) => app.once("close", () => resolve()));
    app.publish("$hw/events/device/pump-1/twin/desired", JSON.stringify({ on: true }));
    await gone;
    expect(sensor.connected).toBe(true);
  }, 90_000);
});

describe("TLS", () => {
  const tlsUrl = () => `mqtts://127.0.0.1:${ports[1]}`;

  test("a device connects over mqtts with the broker's CA; plaintext and a wrong CA fail", async () => {
    const ca = readFileSync(certs.cert);
    const d = await connect(tlsUrl(), { username: "sensor-1", password: creds.get("sensor-1")!, ca, rejectUnauthorized: true });
    await d.subscribeAsync("devices/sensor-1/telemetry");
    const got = nextPayload(d, "devices/sensor-1/telemetry");
    await d.publishAsync("devices/sensor-1/telemetry", "over-tls", { qos: 1 });
    expect(await got).toBe("over-tls");

    await expect(connect(`mqtt://127.0.0.1:${ports[1]}`, { username: "sensor-1", password: creds.get("sensor-1")! })).rejects.toThrow();
    await expect(connect(tlsUrl(), { username: "sensor-1", password: creds.get("sensor-1")!, ca: readFileSync(certs.otherCa), rejectUnauthorized: true }))
      .rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);

    const args = (cafile: string) => ["mosquitto_pub", "-h", "127.0.0.1", "-p", String(ports[1]), "--cafile", cafile, "-u", "sensor-1", "-P", creds.get("sensor-1")!, "-t", "devices/sensor-1/telemetry", "-m", "x"];
    expect(Bun.spawnSync(args(certs.cert)).exitCode).toBe(0);
    expect(Bun.spawnSync(args(certs.otherCa)).exitCode).not.toBe(0);
  }, 30_000);
});

describe("offline start", () => {
  test("an agent restarted while the chain is down serves the devices it cached; unknown credentials stay refused", async () => {
    await anvil.stop();
    const starts = proxyStarts(1);
    await agents[1]!.stop("SIGTERM");
    agents[1] = startAgent(nodes[1]!);
    await proxyUp(1, starts + 1);
    expect(agents[1]!.logText()).toContain("serving the 2 device(s) cached in mqtt.db");

    const ca = readFileSync(certs.cert);
    const d = await connect(`mqtts://127.0.0.1:${ports[1]}`, { username: "sensor-1", password: creds.get("sensor-1")!, ca });
    await d.subscribeAsync("devices/sensor-1/telemetry");
    const got = nextPayload(d, "devices/sensor-1/telemetry");
    d.publish("devices/sensor-1/telemetry", "offline");
    expect(await got).toBe("offline");
    await expect(connect(`mqtts://127.0.0.1:${ports[1]}`, { username: "pump-1", password: "wrong", ca })).rejects.toThrow(/Not authorized|Bad username or password/i);
  }, 60_000);
});
