// The node key at rest: an encrypted JSON keystore (scrypt cost from config) and the password file beside the config.
import { existsSync, readFileSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { Wallet, decryptKeystoreJson, encryptKeystoreJson, getAddress, isKeystoreJson } from "ethers";
import { UserError } from "../errors";
import { writeFileAtomic } from "../fs";

/** Writes a random password into a new 0600 file, for unattended start. Refuses to replace an existing one. */
export function generatePasswordFile(path: string): void {
  writeFileAtomic(path, randomBytes(32).toString("base64url") + "\n", 0o600);
}

export function readPassword(path: string): string {
  if (!existsSync(path)) throw new UserError(`password file ${path} does not exist (see [keys] password_file)`);
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o007) throw new UserError(`password file ${path} is readable by other users (mode ${mode.toString(8)}): run chmod 600 ${path}`);
  const password = readFileSync(path, "utf8").replace(/\r?\n$/, "");
  if (password.length === 0) throw new UserError(`password file ${path} is empty`);
  return password;
}

/** Encrypts `wallet` into a keystore file (mode 0600), with scrypt cost `scryptN`. */
export async function saveKeystore(path: string, wallet: { address: string; privateKey: string }, password: string, scryptN: number): Promise<void> {
  const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: scryptN } });
  writeFileAtomic(path, json + "\n", 0o600);
}

/** Reads the address from a keystore without decrypting it (no password, no scrypt). */
export function keystoreAddress(path: string): string {
  const json = readKeystoreFile(path);
  return getAddress(JSON.parse(json).address);
}

/** `passwordFrom` names where the password came from, for the wrong-password error. */
export async function unlockKeystore(path: string, password: string, passwordFrom = "[keys] password_file"): Promise<Wallet> {
  const json = readKeystoreFile(path);
  try {
    const account = await decryptKeystoreJson(json, password);
    return new Wallet(account.privateKey);
  } catch (err) {
    if (err instanceof Error && /incorrect password/i.test(err.message)) {
      throw new UserError(`wrong password for keystore ${path} (check ${passwordFrom})`);
    }
    throw new UserError(`cannot decrypt keystore ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readKeystoreFile(path: string): string {
  if (!existsSync(path)) throw new UserError(`no keystore at ${path}: run \`edge-agent init\` first`);
  const json = readFileSync(path, "utf8");
  if (!isKeystoreJson(json)) throw new UserError(`${path} is not a JSON keystore`);
  return json;
}
