// What every command shares: the --config option, loading the config it names, and the top-level error report.
import { Option, type Command } from "@commander-js/extra-typings";
import { defaultConfigPath, loadConfig, type LoadedConfig } from "../lib/config";
import { UserError, messageOf } from "../lib/errors";
import { err } from "../lib/cli/output";

export const configOption = () =>
  new Option("-c, --config <path>", "config file (default: $EDGE_AGENT_CONFIG, else /etc/edge-agent/config.toml as root, else ~/.config/edge-agent/config.toml)");

/** Commander argument parser for a repeatable option: each use appends to the list. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The operator key a command that changes apps or operators signs with (see lib/keys/operator.ts for the order). */
export const operatorOptions = () => [
  new Option("--operator <keystore>", "operator key to sign with (default: $EDGE_AGENT_OPERATOR, else [operator] keystore, else operator.json in the data dir)"),
  new Option("--operator-password-file <file>", "its password (default: $EDGE_AGENT_OPERATOR_PASSWORD_FILE, else the node's password file)"),
] as const;

export const jsonOption = () => new Option("--json", "print machine-readable JSON on stdout");

export function configFrom(opts: { config?: string }): LoadedConfig {
  return loadConfig(opts.config ?? defaultConfigPath());
}

/** Parses argv and runs the command; any error becomes one line on stderr and a non-zero exit. */
export async function runCli(program: Command<any, any, any>): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`${err.red("error:")} ${e.message}\n`);
      process.exit(e.exitCode);
    }
    process.stderr.write(`${err.red("internal error:")} ${messageOf(e).split("\n")[0]} (EDGE_AGENT_DEBUG=1 prints the stack)\n`);
    if (process.env.EDGE_AGENT_DEBUG) console.error(e);
    process.exit(70);
  }
}
