// The control API's routes on a real unix socket, with stand-in daemon functions: what each route answers, path
// parameters decoded, a UserError as a 400 with its one line, anything else a 500, an unknown route a 404, and
// changes (app or device) followed by the daemon's re-read.
import { afterAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { serveApi, type ApiDeps } from "../../lib/api/server";
import type { DaemonStatus } from "../../lib/api/types";
import type { ClusterClient } from "../../lib/cluster/client";
import { UserError } from "../../lib/errors";
import { removeTempDirs, tempDir } from "../support/cli";

afterAll(removeTempDirs);

const STATUS: DaemonStatus = {
  pid: 1, startedAt: "2026-12-01T00:00:00.000Z", online: true, lastSyncAt: null, lastSyncBlock: 7, lastError: null,
  mode: "regular", rules: [], members: [], replicas: [], modules: ["sync", "reconcile"],
};

function serve(over: Partial<ApiDeps> = {}) {
  const socket = join(tempDir(), "agent.sock");
  const deps: ApiDeps = {
    status: () => STATUS,
    reload: () => "1 rule(s): hot",
    client: () => Promise.reject(new UserError("cannot reach the chain: http://127.0.0.1:1 (connection refused)")),
    mqtt: () => undefined,
    dataDir: tempDir(),
    ...over,
  };
  const server = serveApi(socket, deps);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://localhost${path}`, { method, unix: socket, body: body === undefined ? undefined : JSON.stringify(body) } as RequestInit);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { socket, server, call };
}

describe("control API routes", () => {
  test("status and reload answer from the daemon; the socket is 0600", async () => {
    const api = serve();
    try {
      expect(statSync(api.socket).mode & 0o777).toBe(0o600);
      expect(await api.call("GET", "/v1/status")).toEqual({ status: 200, body: STATUS });
      expect(await api.call("POST", "/v1/reload")).toEqual({ status: 200, body: { rules: "1 rule(s): hot" } });
    } finally {
      api.server.stop();
    }
  });

  test("an invalid reload is a 400 with its one line; an internal failure is a 500", async () => {
    const bad = serve({ reload: () => { throw new UserError("/etc/edge-agent/config.toml:58: unknown key \"port\" in [mqtt]"); } });
    const broken = serve({ status: () => { throw new Error("boom\n  at somewhere"); } });
    try {
      expect(await bad.call("POST", "/v1/reload")).toEqual({ status: 400, body: { error: '/etc/edge-agent/config.toml:58: unknown key "port" in [mqtt]' } });
      expect(await broken.call("GET", "/v1/status")).toEqual({ status: 500, body: { error: "boom" } });
    } finally {
      bad.server.stop();
      broken.server.stop();
    }
  });

  test("unknown paths and methods are 404s that say what was asked", async () => {
    const api = serve();
    try {
      expect(await api.call("GET", "/v1/nope")).toEqual({ status: 404, body: { error: "unknown request GET /v1/nope" } });
      expect(await api.call("DELETE", "/v1/status")).toEqual({ status: 404, body: { error: "unknown request DELETE /v1/status" } });
    } finally {
      api.server.stop();
    }
  });

  test("app routes reach the chain through the daemon's client; its failure is the caller's one line", async () => {
    const api = serve();
    try {
      expect(await api.call("GET", "/v1/apps")).toEqual({ status: 400, body: { error: "cannot reach the chain: http://127.0.0.1:1 (connection refused)" } });
    } finally {
      api.server.stop();
    }
  });

  test("the daemon changes no app: the routes that signed with the node key are gone (operators sign in the CLI)", async () => {
    let reads = 0;
    const noApps = { state: async () => (reads++, { block: 1, timestamp: 1, members: [], apps: [] }) } as unknown as ClusterClient;
    const api = serve({ client: async () => noApps });
    try {
      expect(await api.call("POST", "/v1/apps", { draft: { name: "web" } })).toEqual({ status: 404, body: { error: "unknown request POST /v1/apps" } });
      expect(await api.call("POST", "/v1/apps/my%20app/scale", { replicas: 2 })).toEqual({ status: 404, body: { error: "unknown request POST /v1/apps/my%20app/scale" } });
      expect(await api.call("DELETE", "/v1/apps/my%20app")).toEqual({ status: 404, body: { error: "unknown request DELETE /v1/apps/my%20app" } });
      expect(reads).toBe(0);
      expect((await api.call("GET", "/v1/apps")).status).toBe(200);
      expect(reads).toBe(1);
    } finally {
      api.server.stop();
    }
  });

  test("stop() removes the socket file", async () => {
    const api = serve();
    api.server.stop();
    expect(() => statSync(api.socket)).toThrow();
  });
});
