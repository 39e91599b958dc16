// The local control API: HTTP over a unix socket in the data dir (mode 0600), for the CLI of this node only.
// Routed by Bun.serve's `routes`; each handler gets only the daemon functions in ApiDeps.
//   GET    /v1/status               daemon state and this node's replicas (desired vs actual)
//   POST   /v1/reload               re-read the runtime settings from the config (refused, old ones kept, if invalid)
//   GET    /v1/apps                 every app with its replicas (changing apps takes an operator key: the CLI signs)
//   GET    /v1/devices              the device directory with this node's twins
//   POST   /v1/devices              { draft }: register a device; answers its credentials once
//   DELETE /v1/devices/ID           deregister (revokes its credentials on every agent)
//   POST   /v1/devices/ID/desired   { changes }: set desired twin properties (null removes one)
import { chmodSync, rmSync } from "node:fs";
import { listApps } from "../apps/ops";
import type { ClusterClient } from "../cluster/client";
import { UserError, messageOf } from "../errors";
import { addDevice, listDevices, localTwins, removeDevice, setDesired, type DeviceDraft } from "../mqtt/ops";
import type { MqttProxy } from "../mqtt/proxy";
import type { DaemonStatus } from "./types";

export type ApiDeps = {
  status(): DaemonStatus;
  /** Summary of what the reload changed; throws a UserError (nothing changed) for an invalid config. */
  reload(): string;
  client(): Promise<ClusterClient>;
  mqtt(): MqttProxy | undefined;
  dataDir: string;
};

type Handler = (req: Bun.BunRequest) => unknown;

export function serveApi(socketPath: string, deps: ApiDeps): { stop(): void } {
  rmSync(socketPath, { force: true });
  const body = async <T>(req: Request) => (await req.json()) as T;
  const changing = async <T>(work: Promise<T>, after: () => void): Promise<T> => {
    const result = await work;
    after();
    return result;
  };
  const devicesChanged = () => deps.mqtt()?.syncSoon();
  const server = Bun.serve({
    unix: socketPath,
    routes: {
      "/v1/status": { GET: answer(() => deps.status()) },
      "/v1/reload": { POST: answer(() => ({ rules: deps.reload() })) },
      "/v1/apps": { GET: answer(async () => listApps(await deps.client())) },
      "/v1/devices": {
        GET: answer(async () => listDevices(await deps.client(), deps.mqtt()?.twins() ?? localTwins(deps.dataDir))),
        POST: answer(async (req) => changing(addDevice(await deps.client(), (await body<{ draft: DeviceDraft }>(req)).draft), devicesChanged)),
      },
      "/v1/devices/:id": { DELETE: answer(async (req) => changing(removeDevice(await deps.client(), req.params.id!), devicesChanged)) },
      "/v1/devices/:id/desired": { POST: answer(async (req) => changing(setDesired(await deps.client(), req.params.id!, (await body<{ changes: Record<string, unknown> }>(req)).changes), devicesChanged)) },
    },
    fetch: (req) => Response.json({ error: `unknown request ${req.method} ${new URL(req.url).pathname}` }, { status: 404 }),
  });
  chmodSync(socketPath, 0o600);
  return {
    stop() {
      server.stop(true);
      rmSync(socketPath, { force: true });
    },
  };
}

/** A route handler answering JSON; a UserError is a 400 with its one line, anything else a 500. */
function answer(handler: Handler): (req: Bun.BunRequest) => Promise<Response> {
  return async (req) => {
    try {
      return Response.json(await handler(req));
    } catch (err) {
      return Response.json({ error: messageOf(err).split("\n")[0] }, { status: err instanceof UserError ? 400 : 500 });
    }
  };
}
