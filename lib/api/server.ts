// The local control API: HTTP over a unix socket in the data dir (mode 0600), for the CLI of this node only.
//   GET /v1/status            daemon state and this node's replicas (desired vs actual)
//   GET /v1/apps              every app with its replicas
//   POST /v1/apps             { draft }: deploy or update
//   POST /v1/apps/NAME/scale  { replicas }
//   DELETE /v1/apps/NAME
//   POST /v1/reload           re-read the monitor rules from the config (refused, old rules kept, if invalid)
//   /v1/devices…              MQTT devices (lib/mqtt/api.ts)
import { chmodSync, rmSync } from "node:fs";
import { deployApp, listApps, removeApp, scaleApp } from "../apps/ops";
import type { DraftApp } from "../apps/spec";
import type { Agent } from "../agent/agent";
import { UserError, messageOf } from "../errors";
import { deviceRoute } from "../mqtt/api";

export function serveApi(socketPath: string, agent: Agent): { stop(): void } {
  rmSync(socketPath, { force: true });
  const server = Bun.serve({
    unix: socketPath,
    async fetch(req) {
      try {
        return Response.json(await route(req, agent));
      } catch (err) {
        const status = err instanceof UserError ? 400 : 500;
        return Response.json({ error: messageOf(err).split("\n")[0] }, { status });
      }
    },
  });
  chmodSync(socketPath, 0o600);
  return {
    stop() {
      server.stop(true);
      rmSync(socketPath, { force: true });
    },
  };
}

async function route(req: Request, agent: Agent): Promise<unknown> {
  const { pathname } = new URL(req.url);
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== "v1") throw new UserError(`unknown path ${pathname}`);
  const [, resource, name, action] = parts;
  if (req.method === "GET" && resource === "status") return agent.status();
  if (req.method === "POST" && resource === "reload") return { rules: agent.reloadRules() };
  if (resource === "devices") return deviceRoute(req, name, action, await agent.cluster(), agent.mqtt, agent.dataDir);
  if (resource !== "apps") throw new UserError(`unknown path ${pathname}`);

  const client = await agent.cluster();
  if (req.method === "GET" && !name) return listApps(client);
  let result: unknown;
  if (req.method === "POST" && !name) result = await deployApp(client, ((await req.json()) as { draft: DraftApp }).draft);
  else if (req.method === "POST" && name && action === "scale") result = await scaleApp(client, name, ((await req.json()) as { replicas: number }).replicas);
  else if (req.method === "DELETE" && name) result = await removeApp(client, name);
  else throw new UserError(`unknown request ${req.method} ${pathname}`);
  agent.poke();
  return result;
}
