// `edge-agent run`: the daemon, in the foreground (systemd runs it). SIGTERM/SIGINT stop it and leave containers
// running; SIGHUP reloads the monitor rules from the config.
import { Command } from "@commander-js/extra-typings";
import { UserError } from "../lib/errors";
import { unlockNodeKey } from "../lib/node/open";
import { startNotifier } from "../lib/systemd/notify";
import { logger } from "../lib/agent/log";
import { configFrom, configOption } from "./common";

const STOP_GRACE_MS = 10_000;

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
      const wallet = await unlockNodeKey(config);
      // Full mode: the local geth comes up first (the agent reads the chain from it) and goes down last.
      const gethNode = config.values.chain.mode === "full"
        ? await (await import("../lib/geth/daemon")).runGeth(config, wallet.address, (await import("../lib/agent/log")).logger("geth"))
        : undefined;
      const agent = new Agent(config, wallet);
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
      // A pass may be waiting for a transaction on a chain that no longer advances (full mode: too few signers left);
      // give it a few seconds, then stop anyway.
      const stopped = await Promise.race([agent.stop().then(() => true), Bun.sleep(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) process.stderr.write(`the daemon's last pass did not finish within ${STOP_GRACE_MS / 1000} s (is the chain advancing?); stopping anyway\n`);
      await gethNode?.stop();
      if (!stopped) process.exit(0);
    });
}
