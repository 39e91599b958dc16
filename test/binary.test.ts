// The compiled binaries: self-contained (ABIs inside), SHA256SUMS right, and the arm64 build runs under qemu-user.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { build } from "../scripts/build";
import { startAnvil, type Anvil } from "./support/anvil";
import { cli, cliOk, removeTempDirs, tempDir } from "./support/cli";

const DIST = join(import.meta.dir, "../dist");
const QEMU = ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"];
let anvil: Anvil;

beforeAll(async () => {
  [anvil] = await Promise.all([startAnvil(), build()]);
}, 300_000);

afterAll(async () => {
  await anvil?.stop();
  removeTempDirs();
});

describe("dist/", () => {
  test("SHA256SUMS lists both binaries with their real digests", () => {
    const lines = readFileSync(join(DIST, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(["edge-agent-linux-arm64", "edge-agent-linux-x64"]);
    for (const line of lines) {
      const [digest, name] = line.split(/\s+/);
      expect(createHash("sha256").update(readFileSync(join(DIST, name!))).digest("hex")).toBe(digest!);
    }
  });

  test("the x64 binary alone in an empty directory creates a cluster (contracts are embedded)", async () => {
    const dir = tempDir();
    const binary = join(dir, "edge-agent");
    copyFileSync(join(DIST, "edge-agent-linux-x64"), binary);
    const run = { command: [binary] };
    expect((await cliOk(["--version"], run)).stdout).toMatch(/^edge-agent \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?, bun-linux-x64\)$/m);
    const config = join(dir, "config.toml");
    const address = (await cliOk(["init", "--name", "solo", "--config", config, "--data-dir", join(dir, "data"), "--rpc", anvil.url, "--scrypt-n", "1024"], run)).stdout.trim();
    expect((await cliOk(["cluster", "create", "--config", config], run)).stdout).toStartWith("edge1.");
    const status = JSON.parse((await cliOk(["status", "--json", "--config", config], run)).stdout);
    expect(status.cluster.members.map((m: { address: string }) => m.address)).toEqual([address]);
  });

  test("the arm64 binary is an aarch64 ELF that runs --version, init and status under qemu-user", async () => {
    const arm = join(DIST, "edge-agent-linux-arm64");
    expect(Bun.spawnSync(["file", arm]).stdout.toString()).toContain("ARM aarch64");
    const run = { command: [...QEMU, arm] };
    expect((await cliOk(["--version"], run)).stdout).toContain("bun-linux-arm64");

    const dir = tempDir();
    const config = join(dir, "config.toml");
    const init = await cliOk(["init", "--name", "pi", "--config", config, "--data-dir", join(dir, "data"), "--rpc", anvil.url], run);
    expect(init.stdout.trim()).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const status = JSON.parse((await cliOk(["status", "--json", "--config", config], run)).stdout);
    expect(status.node.name).toBe("pi");
    expect(status.chain.chainId).toBe("31337");
    expect(status.chain.head.number).toBeGreaterThanOrEqual(0);
    expect(status.node.membership).toBe("no-cluster");
    const bad = await cli(["status", "--config", join(dir, "missing.toml")], run);
    expect(bad.exitCode).toBe(1);
  }, 180_000);
});
