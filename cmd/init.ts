// `edge-agent init`: write a documented config, create the data dir, generate and encrypt the node key.
import { Command, Option } from "@commander-js/extra-typings";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { Wallet } from "ethers";
import { configSchema, defaultConfigPath, defaultDataDir, filesOf, renderConfig } from "../lib/config";
import { UserError } from "../lib/errors";
import { writeFileAtomic } from "../lib/fs";
import { generatePasswordFile, readPassword, saveKeystore } from "../lib/keys";
import { printJson, progress } from "../lib/cli/output";
import { forgetCluster } from "../lib/cluster/membership";
import { collect, jsonOption } from "./common";

export function initCommand() {
  return new Command("init")
    .description("write a config, create the data dir and generate this node's encrypted key")
    .option("--name <name>", "node name in the cluster (default: the host name)")
    .option("-c, --config <path>", "where to write the config (default: $EDGE_AGENT_CONFIG, /etc/edge-agent/config.toml as root, XDG otherwise)")
    .option("--data-dir <dir>", "data directory (default: /var/lib/edge-agent as root, XDG otherwise)")
    .addOption(new Option("--chain-mode <mode>", "chain client mode").choices(["dev", "light", "full"] as const).default("dev" as const))
    .option("--rpc <url>", "chain JSON-RPC endpoint (repeatable)", collect)
    .option("--password-file <file>", "use this keystore password file instead of generating one")
    .option("--scrypt-n <n>", "scrypt cost N of the keystore (power of two)", (v) => Number(v))
    .option("--force", "overwrite an existing config and node key")
    .addOption(jsonOption())
    .action(async (opts) => {
      const configPath = resolve(opts.config ?? defaultConfigPath());
      const raw = {
        node: { name: opts.name ?? hostname().replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 64), data_dir: resolve(opts.dataDir ?? defaultDataDir()) },
        keys: { password_file: opts.passwordFile ? resolve(opts.passwordFile) : "password", ...(opts.scryptN !== undefined && { scrypt_n: opts.scryptN }) },
        chain: { mode: opts.chainMode, ...(opts.rpc && { rpc: opts.rpc }) },
      };
      const parsed = configSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new UserError(`invalid option ${FLAG_OF[issue.path.slice(0, 2).join(".")] ?? issue.path.join(".")}: ${issue.message.replace(/^Invalid input: /, "")}`);
      }
      const values = parsed.data;
      const files = filesOf(configPath, values);

      if (existsSync(configPath) && !opts.force) throw new UserError(`config ${configPath} already exists: pass --force to replace it and its node key`);
      if (existsSync(files.keystore) && !opts.force) throw new UserError(`a node key already exists at ${files.keystore}: pass --force to replace it`);

      mkdirSync(files.dataDir, { recursive: true, mode: 0o700 });
      mkdirSync(dirname(configPath), { recursive: true });
      if (opts.passwordFile) readPassword(files.passwordFile);
      else if (!existsSync(files.passwordFile) || opts.force) generatePasswordFile(files.passwordFile);

      const wallet = Wallet.createRandom();
      await saveKeystore(files.keystore, wallet, readPassword(files.passwordFile), values.keys.scrypt_n);
      rmSync(files.joinKey, { force: true }); // a new key belongs to no cluster yet
      forgetCluster(files.dataDir);
      writeFileAtomic(configPath, renderConfig(values), 0o644);

      if (opts.json) {
        printJson({ address: wallet.address, name: values.node.name, config: configPath, dataDir: files.dataDir, keystore: files.keystore, passwordFile: files.passwordFile });
        return;
      }
      progress(`config written to ${configPath}`);
      progress(`encrypted node key in ${files.keystore} (password in ${files.passwordFile})`);
      process.stdout.write(`${wallet.address}\n`);
    });
}

const FLAG_OF: Record<string, string> = {
  "node.name": "--name",
  "node.data_dir": "--data-dir",
  "chain.rpc": "--rpc",
  "chain.mode": "--chain-mode",
  "keys.scrypt_n": "--scrypt-n",
  "keys.password_file": "--password-file",
};
