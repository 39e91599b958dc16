// `init`: config, data dir, encrypted key and password file, with safe modes; refuses to overwrite without --force.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decryptKeystoreJson, getAddress } from "ethers";
import { parseConfig } from "../lib/config";
import { cli, cliOk, oneLineError, removeTempDirs, tempDir } from "./support/cli";

afterAll(removeTempDirs);

const mode = (path: string) => statSync(path).mode & 0o777;

describe("edge-agent init", () => {
  test("writes a loadable config, an encrypted 0600 keystore and a generated 0600 password file", async () => {
    const dir = tempDir();
    const config = join(dir, "etc", "config.toml");
    const { stdout } = await cliOk(["init", "--name", "barn-1", "--config", config, "--data-dir", join(dir, "data"), "--rpc", "http://127.0.0.1:9", "--scrypt-n", "2048"]);
    const address = stdout.trim();
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);

    const values = parseConfig(readFileSync(config, "utf8"), config);
    expect(values.node.name).toBe("barn-1");
    expect(values.chain.rpc).toEqual(["http://127.0.0.1:9"]);
    expect(values.keys.scrypt_n).toBe(2048);

    const keystore = join(dir, "data", "keystore.json");
    const password = join(dir, "etc", "password");
    expect(mode(keystore)).toBe(0o600);
    expect(mode(password)).toBe(0o600);
    expect(mode(join(dir, "data"))).toBe(0o700);
    const json = readFileSync(keystore, "utf8");
    expect(json).not.toContain("privateKey");
    const parsed = JSON.parse(json);
    expect((parsed.Crypto ?? parsed.crypto).kdfparams.n).toBe(2048);
    const account = await decryptKeystoreJson(json, readFileSync(password, "utf8").trim());
    expect(getAddress(account.address)).toBe(getAddress(address));
  });

  test("refuses to overwrite an existing config or key without --force, and changes nothing", async () => {
    const dir = tempDir();
    const args = ["init", "--config", join(dir, "config.toml"), "--data-dir", join(dir, "data"), "--scrypt-n", "1024"];
    const first = (await cliOk(args)).stdout.trim();
    const before = readFileSync(join(dir, "data", "keystore.json"), "utf8");

    expect(oneLineError(await cli(args))).toContain("already exists: pass --force");
    expect(readFileSync(join(dir, "data", "keystore.json"), "utf8")).toBe(before);

    // A fresh config over an existing key is refused too.
    const otherConfig = ["init", "--config", join(dir, "other.toml"), "--data-dir", join(dir, "data"), "--scrypt-n", "1024"];
    expect(oneLineError(await cli(otherConfig))).toContain("a node key already exists");

    const replaced = (await cliOk([...args, "--force"])).stdout.trim();
    expect(replaced).not.toBe(first);
  });

  test("uses a given password file and EDGE_AGENT_CONFIG as the default config path", async () => {
    const dir = tempDir();
    const passwordFile = join(dir, "secret");
    await Bun.write(passwordFile, "correct horse battery staple\n");
    Bun.spawnSync(["chmod", "600", passwordFile]);
    const config = join(dir, "from-env.toml");
    await cliOk(["init", "--data-dir", join(dir, "data"), "--password-file", passwordFile, "--scrypt-n", "1024"], { env: { EDGE_AGENT_CONFIG: config } });
    expect(existsSync(config)).toBe(true);
    expect(existsSync(join(dir, "password"))).toBe(false);
    const account = await decryptKeystoreJson(readFileSync(join(dir, "data", "keystore.json"), "utf8"), "correct horse battery staple");
    expect(account.address).toMatch(/^0x/);
  });

  test("rejects bad flags with one line naming the flag", async () => {
    const dir = tempDir();
    const line = oneLineError(await cli(["init", "--config", join(dir, "c.toml"), "--data-dir", join(dir, "d"), "--rpc", "not a url"]));
    expect(line).toContain("--rpc");
    expect(existsSync(join(dir, "c.toml"))).toBe(false);
    expect(oneLineError(await cli(["init", "--config", join(dir, "c.toml"), "--scrypt-n", "1000"]))).toContain("--scrypt-n");
  });

  test("--version prints version, commit and target", async () => {
    const { stdout } = await cliOk(["--version"]);
    expect(stdout.trim()).toMatch(/^edge-agent \d+\.\d+\.\d+ \(commit \S+, bun-linux-x64/);
  });
});
