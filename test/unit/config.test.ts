// Config: the template documents every key, and loads back to the same values; the test editor keeps comments.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configSchema, parseConfig, renderConfig, sections } from "../../lib/config";
import { LEGACY_KEYS } from "../../lib/config/schema";
import { removeTempDirs, tempDir } from "../support/cli";
import { updateConfigFile } from "../support/config-edit";

afterAll(removeTempDirs);

const defaults = configSchema.parse({});
const template = renderConfig(defaults);

describe("config template", () => {
  test("documents every key of every section with its default", () => {
    for (const [section, schema] of Object.entries(sections)) {
      expect(template).toContain(`\n[${section}]\n`);
      for (const key of Object.keys(schema.shape)) {
        if (LEGACY_KEYS[section as keyof typeof LEGACY_KEYS]?.includes(key)) {
          expect(template.slice(template.indexOf(`[${section}]`))).not.toMatch(new RegExp(`^${key} = `, "m")); // accepted, never written
          continue;
        }
        const at = template.indexOf(`\n${key} = `, template.indexOf(`[${section}]`));
        expect(at).toBeGreaterThan(0);
        const comment = template.slice(template.lastIndexOf("\n#", at - 1), at);
        expect(comment).toContain("Default: ");
      }
    }
  });

  test("loads back to the values it was rendered from", () => {
    const values = configSchema.parse({ node: { name: "pi-7", labels: { zone: "barn", "gpu.vendor": "none" } }, chain: { rpc: ["http://10.0.0.1:8545"] } });
    expect(parseConfig(renderConfig(values), "x.toml")).toEqual(values);
  });

  test("in-place updates keep the operator's comments and other values", () => {
    const path = join(tempDir(), "config.toml");
    const edited = template.replace("window = 10", "window = 12 # tuned for the barn");
    writeFileSync(path, "# my notes\n" + edited);
    updateConfigFile(path, [
      { section: "docker", key: "publish_address", value: "10.0.0.5" },
      { section: "chain", key: "rpc", value: ["http://a:1", "http://b:2"] },
    ]);
    const after = readFileSync(path, "utf8");
    expect(after).toStartWith("# my notes\n");
    expect(after).toContain("window = 12 # tuned for the barn");
    const values = parseConfig(after, path);
    expect(values.docker.publish_address).toBe("10.0.0.5");
    expect(values.chain.rpc).toEqual(["http://a:1", "http://b:2"]);
    expect(values.monitor.window).toBe(12);
  });
});

