// Line-level view of a TOML file: where a table or key is, and how to write one value.
// smol-toml parses the document; this only finds positions for error messages and in-place edits.

const HEADER = /^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$/;
const KEY = /^\s*"?([A-Za-z0-9_-]+)"?\s*=/;

/** 1-based line of `[table]`, or of `key` inside `[table]`; undefined when absent. */
export function lineOf(source: string, table: string, key?: string): number | undefined {
  const lines = source.split("\n");
  let current: string | undefined = "";
  let headerLine: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const header = HEADER.exec(lines[i]!);
    if (header) {
      current = header[1];
      if (current === table && headerLine === undefined) headerLine = i + 1;
      continue;
    }
    if (key !== undefined && current === table && KEY.exec(lines[i]!)?.[1] === key) return i + 1;
  }
  return key === undefined ? headerLine : undefined;
}

/** The key assigned on a line, if the line assigns one. */
export function keyOnLine(source: string, line: number): string | undefined {
  return KEY.exec(source.split("\n")[line - 1] ?? "")?.[1];
}

export type TomlValue = string | number | boolean | TomlValue[] | { [key: string]: TomlValue };

/** A value as inline TOML: strings quoted, arrays and tables on one line. */
export function renderValue(value: TomlValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(renderValue).join(", ")}]`;
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  const key = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k));
  return `{ ${entries.map(([k, v]) => `${key(k)} = ${renderValue(v)}`).join(", ")} }`;
}
