#!/usr/bin/env bun
// edge-agent: builds the command tree from cmd/ and runs it.
import { Command } from "@commander-js/extra-typings";
import { versionLine } from "./lib/version";
import { runCli } from "./cmd/common";
import { initCommand } from "./cmd/init";
import { clusterCommand } from "./cmd/cluster";
import { joinCommand } from "./cmd/join";
import { statusCommand } from "./cmd/status";
import { runCommand } from "./cmd/run";
import { appCommand } from "./cmd/app";
import { reloadCommand } from "./cmd/reload";
import { eventsCommand } from "./cmd/events";
import { doctorCommand } from "./cmd/doctor";
import { upgradeCommand } from "./cmd/upgrade";
import { deviceCommand } from "./cmd/device";
import { operatorCommand } from "./cmd/operator";

const program = new Command("edge-agent")
  .description("self-governing fog cluster agent: Docker containers placed by a private proof-of-authority chain")
  .version(versionLine(), "-V, --version", "print version, commit and build target")
  // Root options only before the command, so `upgrade --version V` reaches upgrade.
  .enablePositionalOptions()
  .addCommand(initCommand())
  .addCommand(clusterCommand())
  .addCommand(joinCommand())
  .addCommand(statusCommand())
  .addCommand(runCommand())
  .addCommand(appCommand())
  .addCommand(operatorCommand())
  .addCommand(eventsCommand())
  .addCommand(deviceCommand())
  .addCommand(reloadCommand())
  .addCommand(doctorCommand())
  .addCommand(upgradeCommand());

await runCli(program);
