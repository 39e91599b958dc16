// Renders a complete, commented config.toml from values: each key with its one-line doc and its default.
import { LEGACY_KEYS, sections, type Config, type SectionName } from "./schema";
import { renderValue, type TomlValue } from "./toml-lines";

const SECTION_DOCS: Record<SectionName, string> = {
  node: "This node: its identity in the cluster and where it keeps its files.",
  keys: "The node's key, stored as an encrypted JSON keystore in data_dir.",
  operator: "The operator key (a person's, kept apart from the node's) that deploys, scales and removes apps and manages operators.",
  chain: "How this node reaches the cluster's chain.",
  cluster: "Cluster settings: timings and budgets for a cluster this node creates, and how it joins one (the cluster it belongs to is recorded in the data dir).",
  monitor: "The monitor loop: samples taken every interval, rules checked over a window.",
  docker: "The local Docker Engine the agent drives.",
  mqtt: "The MQTT proxy for constrained IoT devices.",
  api: "The local control API used by the CLI.",
  service: "Running unattended under systemd: the watchdog rule and periodic maintenance.",
};

export function renderConfig(values: Config): string {
  const out = [
    "# edge-agent configuration, written by `edge-agent init`.",
    "# Every key is listed with its default; edit values in place. Unknown keys are rejected.",
  ];
  for (const name of Object.keys(sections) as SectionName[]) {
    out.push("", `# ${SECTION_DOCS[name]}`, `[${name}]`);
    for (const [key, field] of Object.entries(sections[name].shape)) {
      if (LEGACY_KEYS[name]?.includes(key)) continue;
      const fallback = renderValue(field.parse(undefined) as TomlValue);
      out.push(`# ${field.description} Default: ${fallback}`);
      out.push(`${key} = ${renderValue((values[name] as Record<string, TomlValue>)[key]!)}`);
    }
  }
  return out.join("\n") + "\n";
}
