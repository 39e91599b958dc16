// `edge-agent doctor` against a real node: a healthy one (anvil, Docker, a cluster) and one broken in ways a Pi
// commonly is (no Docker, chain unreachable, wrong keystore password, a port taken), plus an invalid config.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { updateConfigFile } from "./support/config-edit";
import { startAnvil, type Anvil } from "./support/anvil";
import { cli, cliOk, initNode, removeTempDirs, tempDir } from "./support/cli";
import { ensureDocker } from "./support/dockerd";
import { freePort } from "./support/ports";

let anvil: Anvil;
let taken: Server;

beforeAll(async () => {
  [anvil] = await Promise.all([startAnvil(), ensureDocker()]);
});

afterAll(async () => {
  taken?.close();
  await anvil?.stop();
  removeTempDirs();
});

type Finding = { check: string; status: string; detail: string; fix?: string };
const byCheck = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [f.check, f]));

describe("edge-agent doctor", () => {
  test("a healthy node: every check ok, one line each, exit 0", async () => {
    const node = await initNode("healthy", anvil.url);
    await cliOk(["cluster", "create", ...node.c]);
    const text = await cliOk(["doctor", ...node.c]);
    const lines = text.stdout.trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(["config", "keystore", "docker", "cgroups", "disk", "chain", "clock", "api"]);
    for (const line of lines) expect(line).toStartWith("ok ");
    const json = JSON.parse((await cliOk(["doctor", "--json", ...node.c])).stdout);
    expect(json.ok).toBe(true);
    expect(byCheck(json.findings).keystore!.detail).toContain(node.address);
    process.stderr.write(`doctor on a healthy node:\n${text.stdout}`);
  });

  test("a broken node: each problem is one FAIL line with its fix, exit 1", async () => {
    const node = await initNode("broken", anvil.url);
    const port = await freePort();
    taken = createServer().listen(port, "127.0.0.1");
    updateConfigFile(node.config, [
      { section: "docker", key: "socket", value: join(node.dir, "no-docker.sock") },
      { section: "chain", key: "rpc", value: [`http://127.0.0.1:${await freePort()}`] },
      { section: "chain", key: "timeout_ms", value: 500 },
      { section: "mqtt", key: "enabled", value: true },
      { section: "mqtt", key: "listen", value: `127.0.0.1:${port}` },
    ]);
    writeFileSync(join(node.dir, "password"), "not-the-password\n", { mode: 0o600 });
    const r = await cli(["doctor", ...node.c]);
    expect(r.exitCode).toBe(1);
    const failed = r.stdout.trim().split("\n").filter((l) => l.startsWith("FAIL"));
    expect(failed.map((l) => l.split(/\s+/)[1])).toEqual(["keystore", "docker", "chain", "ports"]);
    for (const line of failed) expect(line).toContain(" — fix: ");
    expect(r.stdout).toContain("apt-get install -y docker.io");
    expect(r.stdout).toContain(`127.0.0.1:${port} (MQTT) is in use by another program`);
    process.stderr.write(`doctor on a broken node:\n${r.stdout}`);
  });

  test("an invalid config is one FAIL line naming file, line and key", async () => {
    const dir = tempDir();
    const config = join(dir, "config.toml");
    writeFileSync(config, "[chain]\ntimeout_ms = \"soon\"\n");
    const r = await cli(["doctor", "--config", config]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toMatch(new RegExp(`^FAIL config  ${config.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2`));
    expect(r.stderr).toBe("");
  });
});
