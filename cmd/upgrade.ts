// `edge-agent upgrade [--version V]`: download from the release base URL, verify, replace, restart, roll back if unhealthy.
import { Command } from "@commander-js/extra-typings";
import { configFrom, configOption, jsonOption } from "./common";
import { printJson, progress } from "../lib/cli/output";
import { UserError } from "../lib/errors";
import { COMMIT } from "../lib/version";
import { latestVersion, resolveBaseUrl } from "../lib/release/source";
import { upgrade } from "../lib/release/upgrade";

export function upgradeCommand() {
  return new Command("upgrade")
    .description("replace this binary with a release (checksum-verified), restart the service, roll back if it is not healthy")
    .option("--version <version>", "release to install (default: the base URL's latest)")
    .option("--base-url <url>", "release location (default: $EDGE_AGENT_BASE_URL, else the one install.sh used)")
    .option("--binary <path>", "binary to replace (default: this one)")
    .option("--deadline <seconds>", "how long the new binary has to report healthy", (v) => Number(v), 60)
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      if (!Number.isFinite(opts.deadline) || opts.deadline <= 0) throw new UserError("--deadline: expected a positive number of seconds");
      const binary = opts.binary ?? (COMMIT === "source" ? undefined : process.execPath);
      if (!binary) throw new UserError("running from source: pass --binary with the installed binary to replace");
      const config = configFrom(opts);
      const base = resolveBaseUrl(opts.baseUrl);
      const version = opts.version ?? (await latestVersion(base));
      const result = await upgrade({ config, base, version, binary, deadlineMs: opts.deadline * 1000, log: progress });
      if (opts.json) printJson(result);
      else if (result.outcome === "current") process.stdout.write(`${binary} is already ${version}\n`);
      else if (result.outcome === "upgraded") process.stdout.write(`upgraded ${binary} to ${version}${result.reason ? ` (${result.reason})` : ""}\n`);
      if (result.outcome === "rolled-back") throw new UserError(result.reason!);
    });
}
