// Who may use which MQTT topic: devices only under their own id, apps only for the devices their spec allows.
import { describe, expect, test } from "bun:test";
import { appAllows, mayPublish, maySubscribe, parseDeviceTopic, topics, type Principal } from "../../lib/mqtt/acl";

const device = (id: string): Principal => ({ kind: "device", id });
const app = (devices: string[]): Principal => ({ kind: "app", app: "dash", devices });

describe("device topics", () => {
  test("the layout parses to the device and what follows it", () => {
    expect(parseDeviceTopic(topics.telemetry("s-1"))).toEqual({ id: "s-1", rest: "telemetry", family: "devices" });
    expect(parseDeviceTopic(topics.twinDelta("s-1"))).toEqual({ id: "s-1", rest: "twin/update/delta", family: "hw" });
    expect(parseDeviceTopic("other/s-1/telemetry")).toBeNull();
    expect(parseDeviceTopic("devices/s-1")).toBeNull();
  });

  test("a device publishes its own telemetry and twin reports, nothing of another device's", () => {
    expect(mayPublish(device("s-1"), "devices/s-1/telemetry")).toBe(true);
    expect(mayPublish(device("s-1"), "devices/s-1/telemetry/temp")).toBe(true);
    expect(mayPublish(device("s-1"), topics.twinUpdate("s-1"))).toBe(true);
    expect(mayPublish(device("s-1"), topics.twinGet("s-1"))).toBe(true);
    expect(mayPublish(device("s-1"), "devices/s-2/telemetry")).toBe(false);
    expect(mayPublish(device("s-1"), topics.twinDelta("s-1"))).toBe(false); // only the agent writes deltas
    expect(mayPublish(device("s-1"), topics.twinDesired("s-1"))).toBe(false);
    expect(maySubscribe(device("s-1"), "$hw/events/device/s-1/#")).toBe(true);
    expect(maySubscribe(device("s-1"), "devices/+/telemetry")).toBe(false);
  });

  test("an app reads telemetry and twins of the devices its patterns cover, and may set their desired twin", () => {
    const dash = app(["sensor-*", "pump-1"]);
    expect(maySubscribe(dash, "devices/sensor-7/telemetry/#")).toBe(true);
    expect(maySubscribe(dash, "devices/pump-1/telemetry")).toBe(true);
    expect(maySubscribe(dash, "devices/pump-2/telemetry")).toBe(false);
    expect(maySubscribe(dash, "devices/+/telemetry")).toBe(false); // "+" needs "*"
    expect(maySubscribe(app(["*"]), "devices/+/telemetry")).toBe(true);
    expect(mayPublish(dash, topics.twinDesired("sensor-7"))).toBe(true);
    expect(mayPublish(dash, "devices/sensor-7/telemetry")).toBe(false); // apps do not forge device telemetry
  });

  test("patterns are globs over the whole id, with regex characters taken literally", () => {
    expect(appAllows(["a.b"], "a.b")).toBe(true);
    expect(appAllows(["a.b"], "axb")).toBe(false);
    expect(appAllows(["s-*"], "xs-1")).toBe(false);
    expect(appAllows([], "s-1")).toBe(false);
  });
});
