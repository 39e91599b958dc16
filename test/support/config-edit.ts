// Changes values in an existing config.toml in place, keeping the operator's comments and layout, as an operator
// editing the file would: for the tests, benches and the demo. The agent itself never writes a config after `init`.
import { readFileSync, statSync } from "node:fs";
import { writeFileAtomic } from "../../lib/fs";
import { parseConfig, type SectionName } from "../../lib/config";
import { lineOf, renderValue, type TomlValue } from "../../lib/config/toml-lines";

export type ConfigUpdate = { section: SectionName; key: string; value: TomlValue };

export function updateConfigFile(path: string, updates: ConfigUpdate[]): void {
  let source = readFileSync(path, "utf8");
  for (const { section, key, value } of updates) source = setValue(source, section, key, value);
  parseConfig(source, path); // never write a file we could not load again
  writeFileAtomic(path, source, statSync(path).mode & 0o777);
}

function setValue(source: string, section: string, key: string, value: TomlValue): string {
  const lines = source.split("\n");
  const assignment = `${key} = ${renderValue(value)}`;
  const keyLine = lineOf(source, section, key);
  if (keyLine !== undefined) {
    const comment = /\s+#[^"]*$/.exec(lines[keyLine - 1]!)?.[0] ?? "";
    lines[keyLine - 1] = assignment + comment;
    return lines.join("\n");
  }
  const headerLine = lineOf(source, section);
  if (headerLine === undefined) return `${source.trimEnd()}\n\n[${section}]\n${assignment}\n`;
  lines.splice(headerLine, 0, assignment);
  return lines.join("\n");
}
