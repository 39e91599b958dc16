// `edge-agent cluster …`: create a cluster, show the one this node is in, re-print its join token, refill the join
// budget, vote to evict a member.
import { Command } from "@commander-js/extra-typings";
import { createCluster, currentJoinToken, refillJoinBudget, voteToEvict } from "../lib/cluster";
import { requireMembership } from "../lib/cluster/membership";
import { printJson, progress } from "../lib/cli/output";
import { configFrom, configOption, jsonOption } from "./common";

export function clusterCommand() {
  const cluster = new Command("cluster").description("create and manage the cluster this node belongs to");

  cluster
    .command("create")
    .description("deploy the cluster's contracts, register this node as the first member, make the first admin's operator key, print a join token")
    .option("--operator-password-file <file>", "encrypt the first admin's key (operator.json in the data dir) with this password instead of the node's")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const created = await createCluster(configFrom(opts), progress, { operatorPasswordFile: opts.operatorPasswordFile });
      if (opts.json) return printJson(created);
      progress(`cluster ${created.registry} on chain ${created.chainId} created; join other nodes with:`);
      process.stdout.write(`${created.token}\n`);
    });

  cluster
    .command("show")
    .description("show the cluster this node belongs to, as `cluster create` or `join` recorded it in the data dir (no chain access)")
    .addOption(configOption())
    .addOption(jsonOption())
    .action((opts) => {
      const config = configFrom(opts);
      const m = requireMembership(config);
      if (opts.json) return printJson({ ...m, chainId: m.chainId.toString(), mode: config.values.chain.mode });
      process.stdout.write([
        `registry      ${m.registry}`,
        `chain id      ${m.chainId}`,
        `genesis       ${m.genesisHash}`,
        `chain mode    ${config.values.chain.mode}${config.values.chain.mode === "full" ? ` (${m.blockPeriodS} s blocks, full members ${m.fullNodesSeal ? "seal" : "do not seal"})` : ""}`,
        `endpoints     ${m.endpoints.join(", ") || "-"}`,
      ].join("\n") + "\n");
    });

  cluster
    .command("token")
    .description("print a join token for this node's cluster")
    .addOption(configOption())
    .action(async (opts) => {
      process.stdout.write(`${await currentJoinToken(configFrom(opts))}\n`);
    });

  cluster
    .command("fund")
    .description("send ETH from this node to the cluster's join budget (new members take their stipend from it)")
    .option("--eth <amount>", "amount of ETH to send", "10")
    .addOption(configOption())
    .action(async (opts) => {
      const balance = await refillJoinBudget(configFrom(opts), opts.eth);
      progress(`join budget now holds ${balance} ETH`);
    });

  cluster
    .command("evict")
    .description("vote to evict a member (by name or address); it is removed once a majority of the others agree")
    .argument("<node>", "member name or address")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (node, opts) => {
      const vote = await voteToEvict(configFrom(opts), node);
      if (opts.json) return printJson(vote);
      progress(vote.evicted ? `"${vote.name}" (${vote.target}) is evicted` : `vote recorded; "${vote.name}" stays until a majority agrees`);
    });

  return cluster;
}
