// `edge-agent operator …`: operator keys (people's keys, apart from the nodes') and their roles in the cluster.
import { Command, Option } from "@commander-js/extra-typings";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Wallet } from "ethers";
import { ClusterReader } from "../lib/cluster/reader";
import { addOperator, listOperators, parseOperatorAddress, parseRole, removeOperator } from "../lib/cluster/operators";
import { UserError } from "../lib/errors";
import { operatorKeyFiles, readPassword, saveKeystore } from "../lib/keys";
import { printJson, progress, table } from "../lib/cli/output";
import { asOperator } from "./app";
import { configFrom, configOption, jsonOption, operatorOptions } from "./common";

export function operatorCommand() {
  const operator = new Command("operator").description("operator keys and their roles: admin (operators), deployer (apps), viewer (signs nothing)");

  operator
    .command("new")
    .description("make a fresh encrypted operator key and print its address (no chain access); an admin then gives it a role")
    .option("--out <file>", "where to write the keystore (default: [operator] keystore, else operator.json in the data dir)")
    .addOption(new Option("--operator-password-file <file>", "password to encrypt it with (default: $EDGE_AGENT_OPERATOR_PASSWORD_FILE, else the node's password file)"))
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const config = configFrom(opts);
      const files = operatorKeyFiles(config, { operatorPasswordFile: opts.operatorPasswordFile });
      const out = opts.out ? resolve(opts.out) : files.keystore;
      if (existsSync(out)) throw new UserError(`${out} exists already: pass --out FILE for the new key (an operator key is never overwritten)`);
      const key = Wallet.createRandom();
      await saveKeystore(out, key, readPassword(files.passwordFile), config.values.keys.scrypt_n);
      if (opts.json) return printJson({ address: key.address, keystore: out });
      progress(`operator key ${key.address} written to ${out}; an admin gives it a role with \`edge-agent operator add ${key.address} --role deployer\``);
      process.stdout.write(`${key.address}\n`);
    });

  operator
    .command("add")
    .description("give an operator key a role (admin key); also sends it ETH for gas")
    .argument("<address>", "the operator's address (from `operator new`)")
    .requiredOption("--role <role>", "admin, deployer or viewer")
    .option("--eth <amount>", "top its balance up to this much ETH for gas (not for viewers)", "1")
    .addOption(operatorOptions()[0])
    .addOption(operatorOptions()[1])
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (address, opts) => {
      const who = parseOperatorAddress(address);
      const role = parseRole(opts.role);
      const r = await asOperator(configFrom(opts), opts, "operator add", (c) => addOperator(c, who, role, opts.eth));
      if (opts.json) return printJson(r);
      progress(`${who} is ${role === "admin" ? "an" : "a"} ${role} from block ${r.block}${r.fundedEth !== "0.0" ? `; sent it ${r.fundedEth} ETH for gas` : ""}`);
    });

  operator
    .command("rm")
    .description("take every role from an operator key (admin key); the last admin cannot be removed")
    .argument("<address>", "the operator's address")
    .addOption(operatorOptions()[0])
    .addOption(operatorOptions()[1])
    .addOption(configOption())
    .action(async (address, opts) => {
      const who = parseOperatorAddress(address);
      const r = await asOperator(configFrom(opts), opts, "operator rm", (c) => removeOperator(c, who));
      progress(`${who} is no longer an operator (block ${r.block})`);
    });

  operator
    .command("ls")
    .description("list the cluster's operators and their roles")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const reader = await ClusterReader.open(configFrom(opts));
      try {
        const operators = await listOperators(reader);
        if (opts.json) return printJson(operators);
        process.stdout.write(table(["ADDRESS", "ROLE"], operators.map((o) => [o.address, o.role])) + "\n");
      } finally {
        reader.destroy();
      }
    });

  return operator;
}
