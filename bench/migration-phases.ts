// One migration measured by phase, shared by bench/migration.ts (anvil) and bench/full.ts (geth, Clique).
// Phases, ms after the rule is loaded (`edge-agent reload` on the applicant):
//   detect   the monitor fires the rule (window 1, T = 250 ms)
//   filed    the applicant's file transaction is mined (designated solver chosen in the same transaction)
//   started  the solver's container is started
//   serving  HTTP answers on the solver's published port
//   resolved the solver's confirm transaction is mined (the assignment has moved)
//   removed  the applicant's old copy is removed
import type Docker from "dockerode";
import type { AppView } from "../lib/apps/ops";
import { updateConfigFile } from "../test/support/config-edit";
import { containersOf, httpBody, type RunningAgent } from "../test/support/agents";
import { cliOk, type TestNode } from "../test/support/cli";
import { waitFor } from "../test/support/ports";

export type Phases = { detect: number; filed: number; started: number; serving: number; resolved: number; removed: number };

export type MeasuredCluster = {
  nodes: TestNode[];
  agents: RunningAgent[];
  ip(i: number): string;
  indexOf(address: string | null): number;
  /** How to run the CLI for node i. */
  command(i: number): string[];
};

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function medians(runs: Phases[]): Phases {
  return Object.fromEntries(Object.keys(runs[0]!).map((k) => [k, median(runs.map((m) => m[k as keyof Phases]))])) as Phases;
}

export async function webApp(c: MeasuredCluster): Promise<AppView> {
  return (JSON.parse((await cliOk(["app", "ls", "--json", ...c.nodes[0]!.c], { command: c.command(0) })).stdout) as AppView[]).find((a) => a.name === "web")!;
}

/** Moves web#0 off its node `runs` times (a memory rule that always fires), timing each phase from the agents' logs. */
export async function measureMigrations(docker: Docker, c: MeasuredCluster, port: number, runs: number, label: string): Promise<Phases[]> {
  const at = (agent: RunningAgent, pattern: RegExp, since: number) => {
    const line = agent.logText().split("\n").find((l) => pattern.test(l) && Date.parse(l.slice(0, 24)) >= since);
    return line ? Date.parse(line.slice(0, 24)) - since : NaN;
  };
  const setRules = (i: number, rules: object[]) => updateConfigFile(c.nodes[i]!.config, [{ section: "monitor", key: "rules", value: rules as never }]);
  const migrations: Phases[] = [];
  for (let run = 0; run < runs; run++) {
    const app = await webApp(c);
    const applicant = c.indexOf(app.replicas[0]!.node);
    const solver = c.nodes.findIndex((_, i) => !app.replicas.some((r) => c.indexOf(r.node) === i));
    const t0 = Date.now();
    const serving = waitFor("solver serving", async () => (await httpBody(c.ip(solver), port, 200)) !== null, 90_000).then(() => Date.now() - t0);
    setRules(applicant, [{ name: `bench${run}`, metric: "memory", comparator: ">", bound: 1, action: "migrate", window: 1, cooldown_ms: 600_000 }]);
    await cliOk(["reload", ...c.nodes[applicant]!.c], { command: c.command(applicant) });
    await waitFor("old copy removed", async () => (await containersOf(docker, c.nodes[applicant]!, "web")).length === 0, 90_000);
    const phases: Phases = {
      detect: at(c.agents[applicant]!, new RegExp(`rule "bench${run}" fired`), t0),
      filed: at(c.agents[applicant]!, /workflow: filed migration of web#0/, t0),
      started: at(c.agents[solver]!, /docker: start ea-\S+-web-0: ok/, t0),
      serving: await serving,
      resolved: at(c.agents[solver]!, /workflow: confirmed migration/, t0),
      removed: at(c.agents[applicant]!, /docker: remove ea-\S+-web-0/, t0),
    };
    migrations.push(phases);
    console.log(`${label} migration ${run + 1}: ${JSON.stringify(phases)}`);
    setRules(applicant, []);
    await cliOk(["reload", ...c.nodes[applicant]!.c], { command: c.command(applicant) });
    await Bun.sleep(1000);
  }
  return migrations;
}
