// Loads config.toml: TOML syntax, then the schema. Any problem is one UserError naming file, line, key and what was expected.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import type { z } from "zod";
import { UserError } from "../errors";
import { configSchema, type Config } from "./schema";
import { keyOnLine, lineOf } from "./toml-lines";

export type LoadedConfig = {
  path: string;
  values: Config;
  /** Absolute paths derived from the values. */
  files: { dataDir: string; keystore: string; joinKey: string; passwordFile: string; apiSocket: string; operatorKeystore: string };
};

export function loadConfig(path: string): LoadedConfig {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new UserError(`no config at ${abs}: run \`edge-agent init\` first (or pass --config)`);
  const values = parseConfig(readFileSync(abs, "utf8"), abs);
  return { path: abs, values, files: filesOf(abs, values) };
}

export function filesOf(configPath: string, values: Config): LoadedConfig["files"] {
  const base = dirname(configPath);
  const dataDir = resolve(base, values.node.data_dir);
  return {
    dataDir,
    keystore: join(dataDir, "keystore.json"),
    joinKey: join(dataDir, "join-key.json"),
    passwordFile: resolve(base, values.keys.password_file),
    apiSocket: values.api.socket ? resolve(base, values.api.socket) : join(dataDir, "agent.sock"),
    operatorKeystore: values.operator.keystore ? resolve(base, values.operator.keystore) : join(dataDir, "operator.json"),
  };
}

export function parseConfig(source: string, path: string): Config {
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const what = err.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    const key = keyOnLine(source, err.line);
    throw new UserError(`${path}:${err.line}:${err.column}: invalid TOML${key ? ` at key "${key}"` : ""}: ${what}${clashHint(source, err.line)}`);
  }
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new UserError(describeIssue(result.error.issues[0]!, source, path));
}

/** `[[monitor.rules]]` cannot extend the template's `rules = []`: say which line to delete. */
function clashHint(source: string, line: number): string {
  const header = /^\s*\[\[\s*([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\s*\]\]/.exec(source.split("\n")[line - 1] ?? "");
  const assigned = header && lineOf(source, header[1]!, header[2]!);
  return assigned ? ` (line ${assigned} already sets ${header[2]} in [${header[1]}]: delete it to use [[${header[1]}.${header[2]}]] tables)` : "";
}

function describeIssue(issue: z.core.$ZodIssue, source: string, path: string): string {
  if (inTableOfArray(issue)) return describeTableIssue(issue, source, path);
  const [section, key] = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const unknown = issue.keys[0]!;
    if (section === undefined) return at(path, lineOf(source, unknown), `unknown section [${unknown}]`);
    return at(path, lineOf(source, section, unknown), `unknown key "${unknown}" in [${section}]`);
  }
  if (section === undefined) return at(path, undefined, issue.message);
  if (key === undefined) return at(path, lineOf(source, section), `[${section}]: ${issue.message}`);
  const detail = issue.path.length > 2 ? ` (at ${issue.path.slice(2).join(".")})` : "";
  return at(path, lineOf(source, section, key) ?? lineOf(source, section), `[${section}] ${key}${detail}: ${tidy(issue.message)}`);
}

/** An issue inside one table of an array of tables, e.g. the second [[monitor.rules]]: path [section, key, index, ...]. */
function inTableOfArray(issue: z.core.$ZodIssue): boolean {
  return typeof issue.path[2] === "number" && (issue.path.length > 3 || issue.code === "unrecognized_keys");
}

/** "[monitor] rules[1] bound: ..." on the key's line in the index-th [[monitor.rules]] (or on `rules = [...]`). */
function describeTableIssue(issue: z.core.$ZodIssue, source: string, path: string): string {
  const [section, key, index, field, ...deeper] = issue.path.map(String) as [string, string, string, string?, ...string[]];
  const table = `${section}.${key}`;
  const unknown = issue.code === "unrecognized_keys" ? issue.keys[0]! : undefined;
  const named = unknown ?? field;
  const line =
    (named === undefined ? undefined : lineOf(source, table, named, Number(index))) ??
    lineOf(source, table, undefined, Number(index)) ??
    lineOf(source, section, key) ??
    lineOf(source, section);
  const where = `[${section}] ${key}[${index}]`;
  if (unknown !== undefined) return at(path, line, `${where}: unknown key "${unknown}"`);
  const detail = deeper.length > 0 ? ` (at ${deeper.join(".")})` : "";
  return at(path, line, `${where} ${field}${detail}: ${tidy(issue.message)}`);
}

function at(path: string, line: number | undefined, message: string): string {
  return line === undefined ? `${path}: ${message}` : `${path}:${line}: ${message}`;
}

const tidy = (message: string) => message.replace(/^Invalid (input|option): /, "");
