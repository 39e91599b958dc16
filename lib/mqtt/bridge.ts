// Bridge mode: the agent attaches to the site's existing broker (e.g. mosquitto) as one client, follows the same
// device topics there and publishes twin deltas there. Logins, ACLs and rate limits are then that broker's job.
import mqtt from "mqtt";
import type { MessageHandler, Transport } from "./transport";

export async function startBridge(o: { url: string; username: string; password: string; clientId: string; log(line: string): void }): Promise<Transport> {
  const client = await mqtt.connectAsync(o.url, {
    clientId: o.clientId, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000,
    ...(o.username ? { username: o.username, password: o.password } : {}),
  });
  const routes: Array<{ filter: string; handler: MessageHandler }> = [];
  client.on("message", (topic, payload) => {
    for (const r of routes) if (matches(r.filter, topic)) r.handler(topic, payload);
  });
  client.on("reconnect", () => o.log(`bridge: reconnecting to ${o.url}`));
  client.on("error", (err) => o.log(`bridge: ${err.message}`));
  return {
    address: o.url,
    async subscribe(filter, handler) {
      routes.push({ filter, handler });
      await client.subscribeAsync(filter, { qos: 1 });
    },
    async publish(topic, payload, opts = {}) {
      await client.publishAsync(topic, payload, { qos: 1, retain: opts.retain ?? false });
    },
    disconnectDevice() {},
    async stop() {
      await client.endAsync();
    },
  };
}

/** MQTT filter matching ("+" one level, "#" the rest). */
export function matches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
