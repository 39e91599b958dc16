// Terminal output: colour only on a TTY without NO_COLOR, aligned tables, progress lines on stderr.
import { createColors } from "picocolors";

const colorOn = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";

export const out = createColors(colorOn(process.stdout));
export const err = createColors(colorOn(process.stderr));

/** One progress line on stderr, so stdout stays data (tokens, JSON). */
export function progress(line: string): void {
  process.stderr.write(`${err.dim("•")} ${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
}

/** Left-aligned columns, two spaces apart; the header row is bold on a TTY. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [out.bold(line(header)), ...rows.map(line)].join("\n");
}
