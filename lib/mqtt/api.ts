// The control API's device routes (lib/api/server.ts hands /v1/devices… here):
//   GET /v1/devices                  the directory with this node's twins
//   POST /v1/devices                 { draft }: register a device; answers its credentials once
//   DELETE /v1/devices/ID            deregister (revokes its credentials on every agent)
//   POST /v1/devices/ID/desired      { changes }: set desired twin properties (null removes one)
import type { ClusterClient } from "../cluster/client";
import { UserError } from "../errors";
import { addDevice, listDevices, localTwins, removeDevice, setDesired, type DeviceDraft } from "./ops";
import type { MqttProxy } from "./proxy";

export async function deviceRoute(req: Request, id: string | undefined, action: string | undefined, client: ClusterClient, proxy: MqttProxy | undefined, dataDir: string): Promise<unknown> {
  if (req.method === "GET" && !id) return listDevices(client, proxy?.twins() ?? localTwins(dataDir));
  let result: unknown;
  if (req.method === "POST" && !id) result = await addDevice(client, ((await req.json()) as { draft: DeviceDraft }).draft);
  else if (req.method === "DELETE" && id && !action) result = await removeDevice(client, id);
  else if (req.method === "POST" && id && action === "desired") result = await setDesired(client, id, ((await req.json()) as { changes: Record<string, unknown> }).changes);
  else throw new UserError(`unknown request ${req.method} /v1/devices${id ? `/${id}` : ""}${action ? `/${action}` : ""}`);
  proxy?.syncSoon();
  return result;
}
