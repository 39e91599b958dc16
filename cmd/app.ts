// `edge-agent app …`: deploy, list, scale and remove apps. Changes are signed with an operator key (deployer or admin
// role), never the node's; `ls` asks the daemon when it runs, else the chain.
import { Command } from "@commander-js/extra-typings";
import { deployApp, listApps, removeApp, scaleApp, type AppView } from "../lib/apps/ops";
import { appFromFile, appFromFlags } from "../lib/apps/spec";
import { connectDaemon } from "../lib/api/client";
import { ClusterClient } from "../lib/cluster/client";
import type { LoadedConfig } from "../lib/config";
import { UserError } from "../lib/errors";
import { unlockOperatorKey, type OperatorKeyFlags } from "../lib/keys";
import { out, printJson, progress, table } from "../lib/cli/output";
import { collect, configFrom, configOption, jsonOption, operatorOptions } from "./common";

/** Runs `viaDaemon` when a daemon answers on this node, else `direct` with a short-lived chain client. */
export async function withCluster<T>(config: LoadedConfig, viaDaemon: (d: NonNullable<Awaited<ReturnType<typeof connectDaemon>>>) => Promise<T>, direct: (c: ClusterClient) => Promise<T>): Promise<T> {
  const daemon = await connectDaemon(config);
  if (daemon) return viaDaemon(daemon);
  const client = await ClusterClient.open(config);
  try {
    return await direct(client);
  } finally {
    client.destroy();
  }
}

/** Runs `work` with a chain client that signs with the operator key the flags, the environment or the config name. */
export async function asOperator<T>(config: LoadedConfig, flags: OperatorKeyFlags, needs: string, work: (c: ClusterClient) => Promise<T>): Promise<T> {
  const client = await ClusterClient.open(config, await unlockOperatorKey(config, flags, needs));
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

const list = (config: LoadedConfig) => withCluster(config, (d) => d.get<AppView[]>("/v1/apps"), listApps);

export function appCommand() {
  const app = new Command("app").description("deploy and manage apps (containers placed across the cluster)");

  app
    .command("deploy")
    .description("deploy an app, or update one (from flags, or from an app.toml with -f); signs with an operator key")
    .argument("[name]", "app name (lowercase letters, digits, '.', '_', '-')")
    .option("-f, --file <app.toml>", "read the spec from a TOML file")
    .option("--image <image>", "container image")
    .option("--replicas <n>", "number of replicas (default 1)")
    .option("--port <host:container>", "publish a port, e.g. 8080:80 or 5353:53/udp (repeatable)", collect)
    .option("--env <KEY=VALUE>", "environment variable (repeatable)", collect)
    .option("--cpu <cores>", "CPU request and limit per replica, e.g. 0.5 or 500m")
    .option("--memory <size>", "memory request and limit per replica, e.g. 128M or 1G")
    .option("--selector <key=value>", "only on nodes with this label (repeatable)", collect)
    .option("--spread", "at most one replica per node")
    .option("--every-node", "one replica on every matching node, now and when nodes join")
    .option("--pin <node>", "run the replicas on this node only (name or address)")
    .option("--wait", "wait until every replica runs")
    .addOption(operatorOptions()[0])
    .addOption(operatorOptions()[1])
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (name, opts) => {
      if (!opts.file && !name) throw new UserError("app deploy needs a NAME (or -f app.toml)");
      const draft = opts.file ? appFromFile(opts.file) : appFromFlags(name!, opts);
      if (opts.file && name && name !== draft.name) throw new UserError(`the name "${name}" differs from name = "${draft.name}" in ${opts.file}`);
      const config = configFrom(opts);
      const result = await asOperator(config, opts, "app deploy", (c) => deployApp(c, draft));
      if (!opts.json) progress(`app ${draft.name} v${result.version} recorded in block ${result.block} (${result.gasUsed} gas)`);
      const final = opts.wait ? await waitUntilRunning(config, draft.name) : undefined;
      if (opts.json) printJson({ ...result, app: final });
    });

  app
    .command("ls")
    .description("list apps and where their replicas run")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const apps = await list(configFrom(opts));
      if (opts.json) return printJson(apps);
      process.stdout.write(renderApps(apps) + "\n");
    });

  app
    .command("scale")
    .description("change an app's number of replicas; signs with an operator key")
    .argument("<name>", "app name")
    .argument("<replicas>", "new number of replicas")
    .option("--wait", "wait until every replica runs")
    .addOption(operatorOptions()[0])
    .addOption(operatorOptions()[1])
    .addOption(configOption())
    .action(async (name, replicas, opts) => {
      if (!/^\d+$/.test(replicas)) throw new UserError(`invalid replica count "${replicas}": expected 0 to 1000`);
      const config = configFrom(opts);
      const r = await asOperator(config, opts, "app scale", (c) => scaleApp(c, name, Number(replicas)));
      progress(`app ${name} scaled to ${replicas} in block ${r.block}`);
      if (opts.wait) await waitUntilRunning(config, name);
    });

  app
    .command("rm")
    .description("remove an app; every node stops its replicas; signs with an operator key")
    .argument("<name>", "app name")
    .addOption(operatorOptions()[0])
    .addOption(operatorOptions()[1])
    .addOption(configOption())
    .action(async (name, opts) => {
      const r = await asOperator(configFrom(opts), opts, "app rm", (c) => removeApp(c, name));
      progress(`app ${name} removed in block ${r.block}`);
    });

  return app;
}

async function waitUntilRunning(config: LoadedConfig, name: string, timeoutMs = 180_000): Promise<AppView> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const app = (await list(config)).find((a) => a.name === name);
    if (!app) throw new UserError(`app ${name} disappeared while waiting`);
    const line = `${app.running}/${app.desired} running${app.pendingReason ? `, ${app.pending} pending: ${app.pendingReason}` : ""}`;
    if (line !== last) progress(`${name}: ${line}`);
    last = line;
    if (app.running === app.desired && app.pending === 0) return app;
    if (app.pendingReason?.startsWith("no eligible node")) throw new UserError(`${app.pending} replica(s) of ${name} cannot be placed now (${app.pendingReason}); they stay pending until a node can take them`);
    const failed = app.replicas.find((r) => r.state === "failed" && r.version === app.version);
    if (failed) throw new UserError(`replica ${failed.replica} of ${name} failed on ${failed.nodeName}: ${failed.reason}`);
    if (Date.now() > deadline) throw new UserError(`timed out after ${timeoutMs / 1000} s waiting for ${name}: ${line}`);
    await Bun.sleep(500);
  }
}

export function renderApps(apps: AppView[]): string {
  if (apps.length === 0) return "no apps";
  const rows = apps.map((a) => [
    a.name,
    a.spec.image,
    `v${a.version}`,
    `${a.running}/${a.desired}`,
    a.replicas.map((r) => `${r.replica}:${r.nodeName ?? "-"}(${r.state})`).join(" ") || "-",
    a.pendingReason ? out.yellow(a.pendingReason) : "",
  ]);
  return table(["NAME", "IMAGE", "VERSION", "RUNNING", "REPLICAS", "PENDING"], rows);
}
