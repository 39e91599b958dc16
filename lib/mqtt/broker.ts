// The embedded broker (aedes) on [mqtt] listen, plain TCP or TLS (node:tls). Logins are checked by the proxy;
// every publish and subscribe passes the ACL; oversized payloads and floods disconnect only the offending client.
import { Aedes, type Client } from "aedes";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { mayPublish, maySubscribe, type Principal } from "./acl";
import { guardSocket, TokenBucket, type Limits } from "./limits";
import type { Transport } from "./transport";

export type EmbeddedOptions = {
  listen: string; // host:port
  tls: { cert: string; key: string } | null;
  limits: Limits;
  authenticate(username: string, password: string): Promise<Principal | null>;
  onDeviceReady(id: string): void;
  log(line: string): void;
};

type Session = { principal: Principal; bucket: TokenBucket };

export async function startEmbeddedBroker(o: EmbeddedOptions): Promise<Transport> {
  const sessions = new WeakMap<Client, Session>();
  const byDevice = new Map<string, Set<Client>>();
  const refuse = (code: number, message: string) => Object.assign(new Error(message), { returnCode: code });
  const broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      o.authenticate(username ?? "", password?.toString() ?? "").then((principal) => {
        if (!principal) return done(refuse(4, "bad user name or password") as never, false);
        sessions.set(client, { principal, bucket: new TokenBucket(o.limits.maxMessagesPerSecond) });
        done(null, true);
      }, (err) => done(refuse(3, String(err)) as never, false));
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the agent's own publishes
      const s = sessions.get(client);
      if (!s || !mayPublish(s.principal, packet.topic)) return done(new Error(`not allowed to publish to ${packet.topic}`));
      if (packet.payload.length > o.limits.maxPayloadBytes) return done(new Error(`payload of ${packet.payload.length} bytes exceeds ${o.limits.maxPayloadBytes}`));
      if (!s.bucket.take()) return done(new Error(`more than ${o.limits.maxMessagesPerSecond} messages per second`));
      if (packet.retain) packet.retain = false; // devices and apps do not leave retained state on the agent
      done(null);
    },
    authorizeSubscribe(client, sub, done) {
      const s = sessions.get(client);
      if (!s || !maySubscribe(s.principal, sub.topic)) return done(new Error(`not allowed to subscribe to ${sub.topic}`));
      done(null, sub);
    },
  });
  broker.on("clientReady", (client) => {
    const s = sessions.get(client);
    if (s?.principal.kind !== "device") return;
    const set = byDevice.get(s.principal.id) ?? new Set();
    byDevice.set(s.principal.id, set.add(client));
    o.onDeviceReady(s.principal.id);
  });
  broker.on("clientDisconnect", (client) => {
    const s = sessions.get(client);
    if (s?.principal.kind === "device") byDevice.get(s.principal.id)?.delete(client);
  });
  broker.on("clientError", (client, err) => {
    const s = sessions.get(client);
    o.log(`client ${client.id}${s ? ` (${s.principal.kind === "device" ? s.principal.id : `app ${s.principal.app}`})` : ""} disconnected: ${err.message}`);
  });

  const sockets = new Set<Socket>();
  const handle = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    guardSocket(socket, o.limits);
    broker.handle(socket);
  };
  const server: Server = o.tls ? createTlsServer({ cert: readFileSync(o.tls.cert), key: readFileSync(o.tls.key) }, handle) : createServer(handle);
  const at = o.listen.lastIndexOf(":");
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(o.listen.slice(at + 1)), o.listen.slice(0, at), () => resolve());
  });
  server.on("error", (err) => o.log(`broker: ${err.message}`));

  return {
    address: `${o.tls ? "mqtts" : "mqtt"}://${o.listen}`,
    async subscribe(filter, handler) {
      await new Promise<void>((resolve) => broker.subscribe(filter, (packet, cb) => (handler(packet.topic, packet.payload as Buffer), cb()), resolve));
    },
    async publish(topic, payload, opts = {}) {
      await new Promise<void>((resolve, reject) => broker.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: opts.retain ?? false, dup: false }, (err) => (err ? reject(err) : resolve())));
    },
    disconnectDevice(id) {
      for (const client of byDevice.get(id) ?? []) client.close();
      byDevice.delete(id);
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy(); // devices reconnect elsewhere; do not wait for them
      await closed;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
