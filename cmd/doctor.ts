// `edge-agent doctor`: one line per check, a fix for each problem, exit 1 when any check fails.
import { Command } from "@commander-js/extra-typings";
import { defaultConfigPath } from "../lib/config";
import { runChecks, type Finding } from "../lib/doctor/checks";
import { out, printJson } from "../lib/cli/output";
import { configOption, jsonOption } from "./common";

const MARK: Record<Finding["status"], string> = { ok: out.green("ok  "), warn: out.yellow("warn"), fail: out.red("FAIL") };

export function doctorCommand() {
  return new Command("doctor")
    .description("check this node: config, keystore, Docker, cgroups, disk, chain, clock, ports; a fix for each problem")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const findings = await runChecks(opts.config ?? defaultConfigPath());
      const failed = findings.some((f) => f.status === "fail");
      if (opts.json) printJson({ ok: !failed, findings });
      else {
        const width = Math.max(...findings.map((f) => f.check.length));
        for (const f of findings) process.stdout.write(`${MARK[f.status]} ${f.check.padEnd(width)}  ${f.detail}${f.fix ? ` — fix: ${f.fix}` : ""}\n`);
      }
      if (failed) process.exitCode = 1;
    });
}
