// The topic layout and who may use which topic. Devices live under their own id only; apps read the telemetry and
// twins of the devices their spec allows (the app.toml `devices` list) and may set those devices' desired twin.
//
//   devices/{id}/telemetry[/…]                     device publishes telemetry (relayed, batched into Merkle roots)
//   $hw/events/device/{id}/twin/update             device reports: {"reported": {...}}
//   $hw/events/device/{id}/twin/update/delta       agent publishes (retained): {"version": n, "delta": {...}}
//   $hw/events/device/{id}/twin/get                device asks for its twin (any payload)
//   $hw/events/device/{id}/twin/get/result         agent answers: {"version", "desired", "reported"}
//   $hw/events/device/{id}/twin/desired            an app sets desired properties: {"key": value, ...}

export const topics = {
  telemetry: (id: string) => `devices/${id}/telemetry`,
  twinUpdate: (id: string) => `$hw/events/device/${id}/twin/update`,
  twinDelta: (id: string) => `$hw/events/device/${id}/twin/update/delta`,
  twinGet: (id: string) => `$hw/events/device/${id}/twin/get`,
  twinGetResult: (id: string) => `$hw/events/device/${id}/twin/get/result`,
  twinDesired: (id: string) => `$hw/events/device/${id}/twin/desired`,
};

/** Patterns the agent itself subscribes to (the same in embedded and bridge mode). */
export const agentFilters = { telemetry: "devices/+/telemetry/#", twinUpdate: "$hw/events/device/+/twin/update", twinGet: "$hw/events/device/+/twin/get", twinDesired: "$hw/events/device/+/twin/desired" };

export type Principal = { kind: "device"; id: string } | { kind: "app"; app: string; devices: string[] };

/** The device id a topic is about, and the rest after it, for topics of the layout above. */
export function parseDeviceTopic(topic: string): { id: string; rest: string; family: "devices" | "hw" } | null {
  const parts = topic.split("/");
  if (parts[0] === "devices" && parts.length >= 3) return { id: parts[1]!, rest: parts.slice(2).join("/"), family: "devices" };
  if (parts[0] === "$hw" && parts[1] === "events" && parts[2] === "device" && parts.length >= 5) return { id: parts[3]!, rest: parts.slice(4).join("/"), family: "hw" };
  return null;
}

const isTelemetry = (rest: string) => rest === "telemetry" || rest.startsWith("telemetry/");

export function mayPublish(p: Principal, topic: string): boolean {
  const t = parseDeviceTopic(topic);
  if (!t) return false;
  if (p.kind === "device") {
    if (t.id !== p.id) return false;
    return t.family === "devices" ? isTelemetry(t.rest) : t.rest === "twin/update" || t.rest === "twin/get";
  }
  return t.family === "hw" && t.rest === "twin/desired" && appAllows(p.devices, t.id);
}

export function maySubscribe(p: Principal, filter: string): boolean {
  const t = parseDeviceTopic(filter);
  if (!t) return false;
  if (p.kind === "device") return t.id === p.id; // its own subtree: deltas, twin results, commands
  if (t.family === "devices" && !(isTelemetry(t.rest) || t.rest === "#")) return false;
  if (t.family === "hw" && !(t.rest.startsWith("twin/") || t.rest === "#")) return false;
  return appAllows(p.devices, t.id);
}

/** Whether an app's device patterns ("sensor-*", "pump-1", "*") cover `id`; the wildcard "+" needs "*". */
export function appAllows(patterns: string[], id: string): boolean {
  if (id === "+" || id === "#") return patterns.includes("*");
  return patterns.some((p) => new RegExp(`^${p.split("*").map(escape).join(".*")}$`).test(id));
}

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
