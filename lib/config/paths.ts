// Where the config and data live by default: system paths as root, XDG paths otherwise; EDGE_AGENT_CONFIG wins.
import { homedir } from "node:os";
import { join } from "node:path";

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

export function defaultConfigPath(): string {
  const fromEnv = process.env.EDGE_AGENT_CONFIG;
  if (fromEnv) return fromEnv;
  if (isRoot()) return "/etc/edge-agent/config.toml";
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "edge-agent", "config.toml");
}

export function defaultDataDir(): string {
  if (isRoot()) return "/var/lib/edge-agent";
  const base = process.env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(base, "edge-agent");
}
