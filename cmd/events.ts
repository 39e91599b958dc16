// `edge-agent events`: the migration audit trail from chain, optionally followed as it grows.
import { Command } from "@commander-js/extra-typings";
import { out, printJson, table } from "../lib/cli/output";
import { ClusterReader } from "../lib/cluster/reader";
import { readAuditTrail, type AuditEntry } from "../lib/workflow/audit";
import { configFrom, configOption, jsonOption } from "./common";

export function eventsCommand() {
  return new Command("events")
    .description("show the migration audit trail: who filed, who solved, when, how long each took")
    .option("--follow", "keep printing events as they are filed and closed")
    .option("--app <name>", "only this app")
    .option("--node <name>", "only events this node filed, was designated for, solved or moved from")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const config = configFrom(opts);
      const reader = await ClusterReader.open(config);
      const filter = { app: opts.app, node: opts.node };
      const entries = await readAuditTrail(reader, filter);
      if (!opts.follow) {
        if (opts.json) return printJson(entries);
        process.stdout.write((entries.length ? render(entries) : "no migrations yet") + "\n");
        return;
      }
      const printed = new Map<number, string>();
      const emit = (list: AuditEntry[]) => {
        for (const e of list) {
          const key = `${e.phase}/${e.solver}`;
          if (printed.get(e.id) === key) continue;
          printed.set(e.id, key);
          process.stdout.write((opts.json ? JSON.stringify(e) : render([e], printed.size > 1)) + "\n");
        }
      };
      emit(entries);
      for (;;) {
        await Bun.sleep(1000);
        emit(await readAuditTrail(reader, filter));
      }
    });
}

function render(entries: AuditEntry[], withoutHeader = false): string {
  const rows = entries.map((e) => [
    String(e.id),
    new Date(e.filedTime * 1000).toISOString().replace("T", " ").slice(0, 19),
    e.kind,
    `${e.app}#${e.replica}`,
    e.names.from,
    e.names.filer,
    e.names.designated,
    e.names.solver ?? "-",
    e.phase === "resolved" ? out.green(e.designatedTimedOut ? "resolved (designated timed out)" : "resolved") : e.phase === "expired" ? out.red("expired") : out.yellow("open"),
    e.tookSeconds === null ? "-" : `${e.tookSeconds} s / ${e.tookBlocks} blocks`,
    e.reason,
  ]);
  const text = table(["ID", "FILED", "KIND", "REPLICA", "FROM", "FILER", "DESIGNATED", "SOLVER", "OUTCOME", "TOOK", "REASON"], rows);
  return withoutHeader ? text.split("\n").slice(1).join("\n") : text;
}
