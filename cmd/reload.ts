// `edge-agent reload`: the running daemon re-reads its monitor rules from the config (like SIGHUP).
import { Command } from "@commander-js/extra-typings";
import { connectDaemon } from "../lib/api/client";
import { UserError } from "../lib/errors";
import { progress } from "../lib/cli/output";
import { configFrom, configOption } from "./common";

export function reloadCommand() {
  return new Command("reload")
    .description("make the running daemon re-read its monitor rules; an invalid rule set is refused and the old one stays")
    .addOption(configOption())
    .action(async (opts) => {
      const daemon = await connectDaemon(configFrom(opts));
      if (!daemon) throw new UserError("no daemon is running on this node (start it with `edge-agent run`)");
      const { rules } = await daemon.send<{ rules: string }>("POST", "/v1/reload");
      progress(`reloaded ${rules}`);
    });
}
