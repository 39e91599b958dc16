// Line-level view of a TOML file: where a table or key is, and how to write one value.
// smol-toml parses the document; this only finds positions for error messages and in-place edits.

const HEADER = /^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$/;
const KEY = /^\s*"?([A-Za-z0-9_-]+)"?\s*=/;
const ARRAY_TABLE = /^\s*\[\[/;

/**
 * 1-based line of `[table]`, or of `key` inside `[table]`; undefined when absent.
 * With `index`, the same within the index-th (0-based) `[[table]]` of an array of tables.
 */
export function lineOf(source: string, table: string, key?: string, index?: number): number | undefined {
  const lines = source.split("\n");
  let inTable = table === ""; // top-level keys come before any header
  let arrayTablesSeen = 0;
  let headerLine: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const header = HEADER.exec(lines[i]!);
    if (header) {
      inTable = header[1] === table;
      if (inTable && index !== undefined) {
        const isArrayTable = ARRAY_TABLE.test(lines[i]!);
        inTable = isArrayTable && arrayTablesSeen === index;
        if (isArrayTable) arrayTablesSeen++;
      }
      if (inTable && headerLine === undefined) headerLine = i + 1;
      continue;
    }
    if (key !== undefined && inTable && KEY.exec(lines[i]!)?.[1] === key) return i + 1;
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
