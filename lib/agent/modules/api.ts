// Module `api`: the local control socket the CLI talks to (lib/api/server.ts), answering with what the daemon's
// modules know. It starts after them, so every request finds the daemon whole.
import { serveApi, type ApiDeps } from "../../api/server";
import type { AgentContext } from "../context";
import type { Module } from "../runtime";

export class ApiModule implements Module {
  readonly name = "api";
  private server: { stop(): void } | undefined;

  constructor(private readonly deps: (ctx: AgentContext) => ApiDeps) {}

  start(ctx: AgentContext): void {
    this.server = serveApi(ctx.config.files.apiSocket, this.deps(ctx));
  }

  stop(): void {
    this.server?.stop();
  }

  health(): null {
    return null; // Bun serves it; a wedged event loop stops the watchdog pings by itself
  }
}
