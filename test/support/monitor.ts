// Shared by the monitor tests: a rule with defaults, and a count of the processes a piece of code starts.
import { spyOn } from "bun:test";
import { ruleSchema, type Rule, type RuleInput } from "../../lib/monitor";

export const rule = (r: Partial<RuleInput> & Pick<RuleInput, "name">): Rule =>
  ruleSchema.parse({ metric: "cpu", comparator: ">", bound: 80, action: "log", ...r });

/** Runs `body` with every way of starting a process spied on; returns how many calls were made. */
export async function countSpawns(body: () => Promise<unknown>): Promise<number> {
  const childProcess = require("node:child_process") as typeof import("node:child_process");
  const spies = [
    spyOn(Bun, "spawn"), spyOn(Bun, "spawnSync"),
    ...(["spawn", "exec", "execFile", "execSync", "spawnSync", "execFileSync"] as const).map((f) => spyOn(childProcess, f)),
  ];
  try {
    await body();
    return spies.reduce((n, spy) => n + spy.mock.calls.length, 0);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
