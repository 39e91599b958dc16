// `edge-agent join --cluster TOKEN`: admit this node to an existing cluster.
import { Command } from "@commander-js/extra-typings";
import { joinCluster } from "../lib/cluster";
import { printJson, progress } from "../lib/cli/output";
import { configFrom, configOption, jsonOption } from "./common";

export function joinCommand() {
  return new Command("join")
    .description("join the cluster a token from `cluster create` or `cluster token` names")
    .requiredOption("--cluster <token>", "join token")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const joined = await joinCluster(configFrom(opts), opts.cluster, progress);
      if (opts.json) return printJson(joined);
      progress(joined.alreadyMember ? `already a member of ${joined.registry}` : `joined cluster ${joined.registry} as ${joined.address}`);
    });
}
