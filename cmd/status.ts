// `edge-agent status`: this node, the chain head, and the cluster's members.
import { Command } from "@commander-js/extra-typings";
import { readStatus, type StatusReport } from "../lib/cluster";
import { out, printJson, table } from "../lib/cli/output";
import { configFrom, configOption, jsonOption } from "./common";
import { renderApps } from "./app";

export function statusCommand() {
  return new Command("status")
    .description("show this node, its chain and the cluster's members")
    .addOption(configOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const report = await readStatus(configFrom(opts));
      if (opts.json) return printJson(report);
      process.stdout.write(render(report) + "\n");
    });
}

function chainMode(s: StatusReport): string {
  if (s.chain.mode === "dev") return "dev (no seal verification)";
  const v = s.chain.verified;
  if (!v) return s.chain.mode;
  const rejected = v.rejections > 0 ? out.yellow(`, ${v.rejections} responses rejected`) : "";
  return `${s.chain.mode} (verified head #${v.head}, ${v.signers.length} Clique signers${rejected})`;
}

function render(s: StatusReport): string {
  const membership = { member: out.green("member"), "not-member": out.yellow("not a member"), "no-cluster": out.yellow("not in a cluster") }[s.node.membership];
  const lines = [
    `node     ${s.node.name}  ${s.node.address}  ${membership}`,
    `chain    ${chainMode(s)}  ${s.chain.endpoint}  chain ${s.chain.chainId}  head #${s.chain.head.number} (${s.chain.head.ageSeconds} s ago)`,
  ];
  if (s.chain.mode === "full") {
    const g = s.chain.geth;
    lines.push(g
      ? `geth     ${g.version}  ${g.syncing ? out.yellow(`syncing #${g.head} of ${g.highest}`) : `synced #${g.head}`}  ${g.peers} peer(s)  ${g.signer ? `signer (1 of ${g.signers})` : `not a signer (${g.signers} signers)`}`
      : `geth     ${out.yellow("not answering on IPC (is `edge-agent run` running?)")}`);
  }
  if (!s.cluster) return lines.join("\n");
  lines.push(`cluster  ${s.cluster.registry}  ${s.cluster.members.length} members, eviction needs ${s.cluster.evictionQuorum} votes`, "");
  const rows = s.cluster.members.map((m) => [
    m.self ? `${m.name} *` : m.name,
    m.address,
    m.specs.arch,
    `${m.specs.cpuCores}×${m.specs.cpuMHz} MHz`,
    `${(m.specs.memoryMB / 1024).toFixed(1)} GiB`,
    `${(m.specs.diskMB / 1024).toFixed(0)} GiB`,
    `#${m.joinedAt}`,
    m.alive ? out.green("alive") : out.red(`lost (${ago(m.lastSeen)})`),
    m.reputation.score.toFixed(2),
    Object.entries(m.labels).map(([k, v]) => `${k}=${v}`).join(",") || "-",
  ]);
  lines.push(table(["NAME", "ADDRESS", "ARCH", "CPU", "MEMORY", "DISK", "JOINED", "LIVENESS", "REPUTATION", "LABELS"], rows));
  lines.push("", renderApps(s.apps));
  const daemon = s.daemon
    ? `daemon pid ${s.daemon.pid}, mode ${s.daemon.mode}, ${s.daemon.online ? `chain synced at block ${s.daemon.lastSyncBlock}` : out.yellow(`chain unreachable (${s.daemon.lastError}), running from the local database`)}`
    : out.yellow("daemon not running (states below are the chain's last reports)");
  lines.push("", `this node: ${daemon}`);
  if (s.daemon && s.daemon.rules.length > 0) {
    lines.push(table(["RULE", "METRIC", "ACTION", "VIOLATIONS", "STATE"], s.daemon.rules.map((r) => [
      r.name, r.metric, r.action, `${r.violations}/${r.needed} of ${r.samples}`,
      r.firing ? out.red("firing") : r.coolingDownUntil ? `cooling down until ${new Date(r.coolingDownUntil).toISOString().slice(11, 19)}` : "ok",
    ])));
  }
  if (s.replicas.items.length > 0) {
    lines.push(table(["APP", "REPLICA", "VERSION", "STATE", "REASON"], s.replicas.items.map((r) => [r.app, String(r.replica), `v${r.version}`, r.state, r.reason || ""])));
  }
  return lines.join("\n");
}

function ago(unixSeconds: number): string {
  return unixSeconds === 0 ? "never seen" : `last seen ${Math.max(0, Math.round(Date.now() / 1000 - unixSeconds))} s ago`;
}
