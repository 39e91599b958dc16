// Proves the test harness: a container from the local busybox image serves HTTP; mosquitto relays MQTT both ways.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connectAsync, type MqttClient } from "mqtt";
import { ensureDocker } from "./support/dockerd";
import { TEST_IMAGE, TEST_INDEX_HTML, ensureTestImage } from "./support/images";
import { startMosquitto, type Mosquitto } from "./support/mosquitto";
import { freePort, waitFor } from "./support/ports";

describe("docker", () => {
  test("a TEST_IMAGE container serves index.html on a published loopback port", async () => {
    const docker = await ensureDocker();
    await ensureTestImage(docker);
    const port = await freePort();
    const container = await docker.createContainer({
      Image: TEST_IMAGE,
      name: `edge-agent-harness-${process.pid}`,
      Labels: { "edge-agent-test": "harness" },
      ExposedPorts: { "80/tcp": {} },
      HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] } },
    });
    try {
      await container.start();
      let body = "";
      await waitFor("httpd in the container", async () => {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        body = await res.text();
        return res.ok;
      }, 20_000);
      expect(body).toBe(TEST_INDEX_HTML);
    } finally {
      await container.remove({ force: true });
    }
  }, 120_000);
});

describe("mosquitto", () => {
  let broker: Mosquitto;
  let client: MqttClient;
  const cli = (tool: string, ...args: string[]) =>
    Bun.spawn([tool, "-h", "127.0.0.1", "-p", String(broker.port), "-q", "1", ...args], { stdout: "pipe", stderr: "pipe" });

  beforeAll(async () => {
    broker = await startMosquitto();
    client = await connectAsync(broker.url);
  }, 30_000);

  afterAll(async () => {
    await client?.endAsync();
    await broker?.stop();
  });

  test("the mqtt client receives what mosquitto_pub publishes", async () => {
    await client.subscribeAsync("harness/in", { qos: 1 });
    const received = new Promise<string>((resolve) =>
      client.on("message", (topic, payload) => topic === "harness/in" && resolve(payload.toString())),
    );
    const pub = cli("mosquitto_pub", "-t", "harness/in", "-m", "hello from mosquitto_pub");
    expect(await pub.exited).toBe(0);
    expect(await received).toBe("hello from mosquitto_pub");
  }, 30_000);

  test("mosquitto_sub receives what the mqtt client publishes", async () => {
    // Retained, so it arrives even if mosquitto_sub subscribes after the publish.
    await client.publishAsync("harness/out", "hello from mqtt.js", { qos: 1, retain: true });
    const sub = cli("mosquitto_sub", "-t", "harness/out", "-C", "1", "-W", "20");
    expect(await sub.exited).toBe(0);
    expect((await new Response(sub.stdout).text()).trim()).toBe("hello from mqtt.js");
  }, 30_000);
});
