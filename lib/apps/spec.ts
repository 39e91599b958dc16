// App specs from CLI flags or an app.toml, validated before any transaction: one clear line naming the flag or key.
import { existsSync, readFileSync } from "node:fs";
import { parse, TomlError } from "smol-toml";
import { z } from "zod";
import { UserError } from "../errors";
import { lineOf } from "../config/toml-lines";
import type { NodeRecord } from "../chain";
import type { AppSpec, PortMapping } from "./types";

const PORT = /^(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/;
const validPort = (n: number) => n >= 1 && n <= 65535;

const portMapping = z.string().transform((s, ctx): PortMapping => {
  const m = PORT.exec(s.trim());
  if (!m || !validPort(Number(m[1])) || !validPort(Number(m[2]))) {
    ctx.addIssue({ code: "custom", message: `"${s}" is not HOST:CONTAINER[/tcp|udp] with ports 1-65535` });
    return z.NEVER;
  }
  return { host: Number(m[1]), container: Number(m[2]), protocol: (m[3] ?? "tcp") as "tcp" | "udp" };
});

const cpu = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(v).trim());
  const milli = m ? (m[2] ? Number(m[1]) : Number(m[1]) * 1000) : NaN;
  if (!Number.isInteger(milli) || milli < 1 || milli > 1_000_000) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a CPU amount like 0.5, 2 or 500m` });
    return z.NEVER;
  }
  return milli;
});

const UNITS: Record<string, number> = { k: 1 / 1024, ki: 1 / 1024, m: 1, mi: 1, g: 1024, gi: 1024 };
const memory = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]i?)[bB]?$/.exec(String(v).trim());
  const mb = m ? Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isFinite(mb) || mb < 6 || mb > 4_000_000) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a memory amount like 128M or 1G (at least 6M)` });
    return z.NEVER;
  }
  return mb;
});

const labelKey = z.string().regex(/^[A-Za-z0-9._/-]+$/, "label keys are letters, digits, '.', '_', '/' or '-'");
const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment names are letters, digits and '_'");

export const appFileSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,47}$/, "app names are 1-48 lowercase letters, digits, '.', '_' or '-'"),
  image: z.string().min(1, "an image is required").regex(/^\S+$/, "image names have no spaces"),
  replicas: z.number().int().min(0, "replicas must be 0 or more").max(1000).optional(),
  ports: z.array(portMapping).default([]),
  env: z.record(envKey, z.string()).default({}),
  cpu: cpu.optional(),
  memory: memory.optional(),
  selector: z.record(labelKey, z.string()).default({}),
  spread: z.boolean().default(false),
  every_node: z.boolean().default(false),
  pin: z.string().min(1).optional(),
  // MQTT devices whose telemetry and twins the app may use ("sensor-*", "pump-1", "*"); kept in the spec's env as
  // EDGE_MQTT_DEVICES, so the on-chain spec needs no new field.
  devices: z.array(z.string().regex(/^[A-Za-z0-9._*-]{1,64}$/, "device patterns are ids with optional '*'")).optional(),
});

/** A spec whose `pin` is still a node name or address, before the cluster resolves it. */
export type DraftApp = { name: string; spec: AppSpec; pinRef: string | null };

export type AppFlags = {
  image?: string; replicas?: string; port?: string[]; env?: string[]; cpu?: string; memory?: string;
  selector?: string[]; spread?: boolean; everyNode?: boolean; pin?: string;
};

const FLAG: Record<string, string> = { every_node: "--every-node", ports: "--port", name: "NAME" };

export function appFromFlags(name: string, f: AppFlags): DraftApp {
  const pairs = (list: string[] | undefined, flag: string) =>
    Object.fromEntries((list ?? []).map((kv) => {
      const at = kv.indexOf("=");
      if (at <= 0) throw new UserError(`invalid app spec: ${flag} "${kv}" is not KEY=VALUE`);
      return [kv.slice(0, at), kv.slice(at + 1)];
    }));
  const raw = {
    name,
    image: f.image ?? "",
    ...(f.replicas !== undefined && { replicas: /^-?\d+$/.test(f.replicas) ? Number(f.replicas) : NaN }),
    ports: f.port ?? [],
    env: pairs(f.env, "--env"),
    ...(f.cpu !== undefined && { cpu: f.cpu }),
    ...(f.memory !== undefined && { memory: f.memory }),
    selector: pairs(f.selector, "--selector"),
    spread: Boolean(f.spread),
    every_node: Boolean(f.everyNode),
    ...(f.pin !== undefined && { pin: f.pin }),
  };
  return fromRaw(raw, (key, message) => `invalid app spec: ${FLAG[key] ?? `--${key}`}: ${message}`);
}

export function appFromFile(path: string): DraftApp {
  if (!existsSync(path)) throw new UserError(`no app file at ${path}`);
  const source = readFileSync(path, "utf8");
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (err) {
    if (err instanceof TomlError) throw new UserError(`${path}:${err.line}:${err.column}: invalid TOML: ${err.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "")}`);
    throw err;
  }
  return fromRaw(raw, (key, message) => {
    const line = lineOf(source, "", key);
    return `${path}${line ? `:${line}` : ""}: ${key}: ${message}`;
  });
}

function fromRaw(raw: unknown, describe: (key: string, message: string) => string): DraftApp {
  const parsed = appFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === "unrecognized_keys") throw new UserError(describe(issue.keys[0]!, "unknown field"));
    throw new UserError(describe(String(issue.path[0] ?? "spec"), issue.message.replace(/^Invalid input: /, "")));
  }
  const a = parsed.data;
  if (a.every_node && a.replicas !== undefined) throw new UserError(describe("replicas", "an every-node app has one replica per matching node; drop the replica count"));
  if (a.every_node && a.pin) throw new UserError(describe("pin", "an every-node app cannot be pinned to one node"));
  if (a.pin && a.spread && (a.replicas ?? 1) > 1) throw new UserError(describe("pin", "a pinned app cannot spread more than one replica"));
  const hostPorts = a.ports.map((p) => `${p.protocol}/${p.host}`);
  if (new Set(hostPorts).size !== hostPorts.length) throw new UserError(describe("ports", "the same host port is mapped twice"));
  return {
    name: a.name,
    pinRef: a.pin ?? null,
    spec: {
      image: a.image,
      replicas: a.every_node ? 0 : (a.replicas ?? 1),
      ports: a.ports,
      env: a.devices ? { ...a.env, EDGE_MQTT_DEVICES: a.devices.join(",") } : a.env,
      cpuMilli: a.cpu ?? 0,
      memoryMB: a.memory ?? 0,
      selector: a.selector,
      spread: a.spread,
      everyNode: a.every_node,
      pin: null,
    },
  };
}

/** Checks a draft against the members on chain (capacity, pin) and returns the final spec. */
export function resolveAgainstMembers(draft: DraftApp, members: NodeRecord[]): AppSpec {
  const { spec } = draft;
  let pin: string | null = null;
  if (draft.pinRef) {
    const node = members.find((m) => m.name === draft.pinRef || m.address.toLowerCase() === draft.pinRef!.toLowerCase());
    if (!node) throw new UserError(`invalid app spec: --pin: no member named or addressed "${draft.pinRef}"`);
    pin = node.address;
  }
  const maxMem = Math.max(0, ...members.map((m) => m.specs.memoryMB));
  if (spec.memoryMB > maxMem) throw new UserError(`invalid app spec: --memory ${spec.memoryMB}M exceeds every member's memory (largest: ${maxMem}M)`);
  const maxCpu = Math.max(0, ...members.map((m) => m.specs.cpuCores * 1000));
  if (spec.cpuMilli > maxCpu) throw new UserError(`invalid app spec: --cpu ${spec.cpuMilli / 1000} exceeds every member's CPU cores (largest: ${maxCpu / 1000})`);
  return { ...spec, pin };
}
