// `edge-agent run`: the daemon, in the foreground (systemd runs it). SIGTERM/SIGINT stop it and leave containers
// running; SIGHUP reloads the monitor rules from the config.
import { Command } from "@commander-js/extra-typings";
import { UserError } from "../lib/errors";
import { unlockNodeKey } from "../lib/node/open";
import { startNotifier } from "../lib/systemd/notify";
import { logger } from "../lib/agent/log";
import { configFrom, configOption } from "./common";

export function runCommand() {
  return new Command("run")
    .description("run the agent daemon in the foreground: follow the chain, place and run this node's containers")
    .addOption(configOption())
    .action(async (opts) => {
      const config = configFrom(opts);
      if (!config.values.cluster.registry) throw new UserError("this node is not in a cluster: run `edge-agent cluster create` or `edge-agent join` first");
      // Loaded here, not at startup: Docker, the monitor and the workflow are only the daemon's business, and
      // every other command starts faster without them.
      const { Agent } = await import("../lib/agent/agent");
      const { serveApi } = await import("../lib/api/server");
      const agent = new Agent(config, await unlockNodeKey(config));
      agent.start();
      const api = serveApi(config.files.apiSocket, agent);
      const systemd = startNotifier(() => agent.health.stuck(), logger("systemd"));
      systemd.ready(`node ${config.values.node.name} running`);
      process.on("SIGHUP", () => {
        try {
          agent.reloadRules();
        } catch (err) {
          process.stderr.write(`reload refused: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      });
      const signal = await new Promise<string>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      process.stderr.write(`${signal}: stopping (containers keep running)\n`);
      systemd.stop();
      api.stop();
      await agent.stop();
    });
}
