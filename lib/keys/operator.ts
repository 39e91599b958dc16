// Which operator key a command signs with, and its password: --operator FILE, else EDGE_AGENT_OPERATOR, else
// `[operator] keystore` (default operator.json in the data dir); the password from --operator-password-file, else
// EDGE_AGENT_OPERATOR_PASSWORD_FILE, else the node's password file.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Wallet } from "ethers";
import type { LoadedConfig } from "../config";
import { UserError } from "../errors";
import { readPassword, unlockKeystore } from "./keystore";

export type OperatorKeyFlags = { operator?: string; operatorPasswordFile?: string };
export type OperatorKeyFiles = { keystore: string; passwordFile: string; from: string; passwordFrom: string };

export const HOW_TO_GET_AN_OPERATOR_KEY =
  "pass --operator FILE or set EDGE_AGENT_OPERATOR (an admin gives a key made with `edge-agent operator new` a role with `edge-agent operator add ADDRESS --role deployer`)";

export function operatorKeyFiles(config: LoadedConfig, flags: OperatorKeyFlags, env = process.env): OperatorKeyFiles {
  const [keystore, from] = flags.operator
    ? [resolve(flags.operator), "--operator"]
    : env.EDGE_AGENT_OPERATOR
      ? [resolve(env.EDGE_AGENT_OPERATOR), "EDGE_AGENT_OPERATOR"]
      : [config.files.operatorKeystore, "[operator] keystore"];
  const [passwordFile, passwordFrom] = flags.operatorPasswordFile
    ? [resolve(flags.operatorPasswordFile), "--operator-password-file"]
    : env.EDGE_AGENT_OPERATOR_PASSWORD_FILE
      ? [resolve(env.EDGE_AGENT_OPERATOR_PASSWORD_FILE), "EDGE_AGENT_OPERATOR_PASSWORD_FILE"]
      : [config.files.passwordFile, "the node's [keys] password_file"];
  return { keystore, passwordFile, from, passwordFrom };
}

/** The operator key this command signs with, unlocked; `needs` says what for, in the error when there is none. */
export async function unlockOperatorKey(config: LoadedConfig, flags: OperatorKeyFlags, needs: string): Promise<Wallet> {
  const { keystore, passwordFile, from, passwordFrom } = operatorKeyFiles(config, flags);
  if (!existsSync(keystore)) throw new UserError(`${needs} needs an operator key, and there is none at ${keystore} (${from}): ${HOW_TO_GET_AN_OPERATOR_KEY}`);
  return unlockKeystore(keystore, readPassword(passwordFile), passwordFrom);
}
