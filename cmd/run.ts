// `edge-agent run`: the daemon, in the foreground (systemd runs it). SIGTERM/SIGINT stop it and leave containers
// running; SIGHUP re-reads the runtime settings (monitor rules, Docker publish address) from the config.
import { Command } from "@commander-js/extra-typings";
import { requireMembership } from "../lib/cluster/membership";
import { messageOf } from "../lib/errors";
import { unlockNodeKey } from "../lib/node/open";
import { configFrom, configOption } from "./common";

const STOP_GRACE_MS = 10_000;

export function runCommand() {
  return new Command("run")
    .description("run the agent daemon in the foreground: follow the chain, place and run this node's containers")
    .addOption(configOption())
    .action(async (opts) => {
      const config = configFrom(opts);
      const membership = requireMembership(config);
      // Loaded here, not at startup: Docker, the monitor and the workflow are only the daemon's business, and
      // every other command starts faster without them.
      const { Agent } = await import("../lib/agent/agent");
      const agent = new Agent(config, membership, await unlockNodeKey(config));
      await agent.start();
      process.on("SIGHUP", () => {
        try {
          agent.reload();
        } catch (err) {
          process.stderr.write(`reload refused: ${messageOf(err)}\n`);
        }
      });
      const signal = await new Promise<string>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      process.stderr.write(`${signal}: stopping (containers keep running)\n`);
      // A module may be waiting for a transaction on a chain that no longer advances (full mode: too few signers
      // left); give them a few seconds, then stop anyway.
      const stopped = await Promise.race([agent.stop().then(() => true), Bun.sleep(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) process.stderr.write(`the daemon did not stop within ${STOP_GRACE_MS / 1000} s (is the chain advancing?); stopping anyway\n`);
      process.exit(0);
    });
}
