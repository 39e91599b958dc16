// `edge-agent device …`: MQTT devices this cluster's agents proxy. add/rm/set go through the daemon when it runs (its
// transaction queue, and its broker hears of the change at once), else straight to the chain.
import { Command } from "@commander-js/extra-typings";
import { existsSync, readFileSync } from "node:fs";
import type { LoadedConfig } from "../lib/config";
import { UserError } from "../lib/errors";
import { addDevice, listDevices, localTwins, proofFor, removeDevice, setDesired, verifyMessage, checkDeviceDraft, type AddedDevice, type DeviceView } from "../lib/mqtt";
import { ClusterClient } from "../lib/cluster/client";
import { printJson, progress, table } from "../lib/cli/output";
import { withCluster } from "./app";
import { configFrom, configOption, jsonOption } from "./common";

function parsePairs(list: string[], what: string): Record<string, string> {
  return Object.fromEntries(list.filter(Boolean).map((kv) => {
    const at = kv.indexOf("=");
    if (at <= 0) throw new UserError(`invalid ${what} "${kv}": expected KEY=VALUE`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }));
}

/** `key=value`: the value as JSON when it parses (numbers, true, null, objects), else as a string. */
function desiredValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const list = (config: LoadedConfig) => withCluster(config, (d) => d.get<DeviceView[]>("/v1/devices"), (c) => listDevices(c, localTwins(config.files.dataDir)));

export function deviceCommand() {
  const device = new Command("device").description("MQTT devices (sensors, actuators) this cluster's agents proxy");

  device
    .command("add")
    .description("register a device under this node and print its credentials (shown once; only a salted hash is kept)")
    .argument("<id>", "device id: 1-64 letters, digits, '.', '_' or '-' (its MQTT user name)")
    .option("--type <type>", "device type, e.g. dht22", "")
    .option("--labels <pairs>", "labels, comma-separated key=value pairs", "")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (id, opts) => {
      const draft = checkDeviceDraft({ id, type: opts.type, labels: parsePairs(opts.labels.split(","), "label") });
      const r = await withCluster(configFrom(opts), (d) => d.send<AddedDevice>("POST", "/v1/devices", { draft }), (c) => addDevice(c, draft));
      if (opts.json) return printJson(r);
      progress(`device ${id} registered in block ${r.block} (${r.gasUsed} gas); the password is shown only now`);
      process.stdout.write(`username: ${r.username}\npassword: ${r.password}\n`);
    });

  device
    .command("ls")
    .description("list the cluster's devices, their fog node, desired and reported twin")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const devices = await list(configFrom(opts));
      if (opts.json) return printJson(devices);
      if (devices.length === 0) return void process.stdout.write("no devices\n");
      const rows = devices.map((d) => [d.id, d.type || "-", d.nodeName ?? d.node, Object.entries(d.labels).map(([k, v]) => `${k}=${v}`).join(",") || "-", `v${d.desiredVersion} ${JSON.stringify(d.desired)}`, d.reported ? JSON.stringify(d.reported) : "-"]);
      process.stdout.write(table(["ID", "TYPE", "NODE", "LABELS", "DESIRED", "REPORTED (this node)"], rows) + "\n");
    });

  device
    .command("rm")
    .description("deregister a device (only its fog node may); its credentials stop working on every agent")
    .argument("<id>", "device id")
    .addOption(configOption())
    .action(async (id, opts) => {
      const r = await withCluster(configFrom(opts), (d) => d.send<{ block: number }>("DELETE", `/v1/devices/${encodeURIComponent(id)}`), (c) => removeDevice(c, id));
      progress(`device ${id} removed in block ${r.block}`);
    });

  device
    .command("set")
    .description("set desired twin properties (VALUE is JSON if it parses, else a string; null removes the key)")
    .argument("<id>", "device id")
    .argument("<key=value...>", "properties")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (id, pairs, opts) => {
      const changes = Object.fromEntries(Object.entries(parsePairs(pairs, "property")).map(([k, v]) => [k, desiredValue(v)]));
      const r = await withCluster(configFrom(opts), (d) => d.send<{ desired: unknown; version: number }>("POST", `/v1/devices/${encodeURIComponent(id)}/desired`, { changes }), (c) => setDesired(c, id, changes));
      if (opts.json) return printJson(r);
      progress(`desired twin of ${id} is now v${r.version}: ${JSON.stringify(r.desired)}`);
    });

  device
    .command("proof")
    .description("print a message this node relayed, with its Merkle proof (input for `device verify`)")
    .argument("<id>", "device id")
    .option("--seq <n>", "the message's sequence number (default: the latest batched one)")
    .addOption(configOption())
    .action(async (id, opts) => {
      if (opts.seq !== undefined && !/^\d+$/.test(opts.seq)) throw new UserError(`invalid --seq "${opts.seq}"`);
      printJson(proofFor(configFrom(opts).files.dataDir, id, opts.seq === undefined ? undefined : Number(opts.seq)));
    });

  device
    .command("verify")
    .description("prove a message was in a telemetry batch whose Merkle root is on chain (exit 1 if not)")
    .argument("<id>", "device id")
    .requiredOption("--message <file>", "JSON with topic, ts, payload (base64), and optionally root and proof, as `device proof` prints")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (id, opts) => {
      if (!existsSync(opts.message)) throw new UserError(`no message file at ${opts.message}`);
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(opts.message, "utf8"));
      } catch {
        throw new UserError(`${opts.message} is not JSON`);
      }
      const config = configFrom(opts);
      const client = await ClusterClient.open(config);
      try {
        const verdict = await verifyMessage(client, config.files.dataDir, id, doc as object);
        if (opts.json) printJson(verdict);
        if (!verdict.valid) throw new UserError(`not verified: ${verdict.reason}`);
        if (!opts.json) progress(`verified: ${verdict.reason}`);
      } finally {
        client.destroy();
      }
    });

  return device;
}
