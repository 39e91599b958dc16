// Config: bad files fail on one line naming file, line and key, through the CLI (the template: test/unit/config.test.ts).
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configSchema, parseConfig, renderConfig, sections } from "../lib/config";
import { updateConfigFile } from "./support/config-edit";
import { cli, oneLineError, removeTempDirs, tempDir } from "./support/cli";

afterAll(removeTempDirs);

const defaults = configSchema.parse({});
const template = renderConfig(defaults);

describe("a bad config file gets one line naming file, line and key, and a non-zero exit", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["malformed TOML", template.replace('mode = "dev"', 'mode = "dev'), /config\.toml:\d+:\d+: invalid TOML at key "mode"/],
    ["unknown key", template.replace("[mqtt]\n", "[mqtt]\nport = 1883\n"), /config\.toml:\d+: unknown key "port" in \[mqtt\]/],
    ["unknown section", template + "\n[gpu]\n", /config\.toml:\d+: unknown section \[gpu\]/],
    ["wrong type", template.replace("timeout_ms = 5000", 'timeout_ms = "5s"'), /config\.toml:\d+: \[chain\] timeout_ms: expected number, received string/],
    ["bad enum", template.replace('mode = "dev"', 'mode = "fast"'), /config\.toml:\d+: \[chain\] mode: expected one of "dev"\|"light"\|"full"/],
    ["bad URL in a list", template.replace('rpc = ["http://127.0.0.1:8545"]', 'rpc = ["ftp://x"]'), /\[chain\] rpc \(at 0\): expected an http:\/\/ or https:\/\/ URL/],
  ];
  for (const [what, source, expected] of cases) {
    test(what, async () => {
      const path = join(tempDir(), "config.toml");
      writeFileSync(path, source);
      const line = oneLineError(await cli(["status", "--config", path]));
      expect(line).toMatch(expected);
      const lineNo = Number(/config\.toml:(\d+)/.exec(line)![1]);
      const offending = source.split("\n")[lineNo - 1]!;
      // The line named is the offending key's own line (or its section header).
      expect(offending).toMatch(/^(\[|mode|port|timeout_ms|rpc)/);
    });
  }

  test("a missing config says how to make one", async () => {
    const line = oneLineError(await cli(["status", "--config", "/nonexistent/config.toml"]));
    expect(line).toContain("run `edge-agent init` first");
  });
});
