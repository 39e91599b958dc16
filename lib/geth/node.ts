// One geth v1.13.15 node on disk and as a process: its datadir (genesis, keystore), its command line, `geth init`.
// The node key reaches geth only through geth's own keystore directory and a password file, never on a command line.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getAddress } from "ethers";
import { UserError } from "../errors";
import { writeFileAtomic } from "../fs";
import type { GethGenesis } from "./genesis";

export type GethOptions = {
  bin: string;
  datadir: string;
  networkId: bigint;
  /** devp2p TCP/UDP port. */
  p2pPort: number;
  /** IP other nodes reach this one on (goes into the enode: --nat extip); none: 127.0.0.1. */
  externalIp?: string;
  httpAddress: string;
  httpPort: number;
  /** APIs served over HTTP; admin and clique stay on IPC. */
  httpApis?: string[];
  authrpcPort: number;
  /** Seal blocks with this account (must be in the datadir's keystore), unlocked with `passwordFile`. */
  signer?: { address: string; passwordFile: string };
  verbosity?: number;
};

export const HTTP_APIS = ["eth", "net", "web3", "txpool"];

export const ipcPath = (datadir: string) => join(datadir, "geth.ipc");
export const logPath = (datadir: string) => join(datadir, "geth.log");

/** geth's command line: its own ports and paths, no discovery (peers come from the cluster), RPC where configured. */
export function gethArgs(o: GethOptions): string[] {
  const args = [
    "--datadir", o.datadir,
    "--networkid", o.networkId.toString(),
    "--syncmode", "full",
    // Every block's state on disk: a geth killed hard restarts at its head instead of rewinding to the last state it
    // had flushed (on a one-signer chain that could be block 0, the cluster's contracts gone); light members can
    // also prove state at any block. A small private chain's state is tiny.
    "--gcmode", "archive",
    "--nodiscover",
    "--nat", o.externalIp ? `extip:${o.externalIp}` : "none",
    "--port", String(o.p2pPort),
    "--authrpc.addr", "127.0.0.1",
    "--authrpc.port", String(o.authrpcPort),
    "--ipcpath", ipcPath(o.datadir),
    "--http",
    "--http.addr", o.httpAddress,
    "--http.port", String(o.httpPort),
    "--http.api", (o.httpApis ?? HTTP_APIS).join(","),
    "--verbosity", String(o.verbosity ?? 3),
  ];
  if (o.signer) {
    const address = getAddress(o.signer.address);
    args.push("--mine", "--miner.etherbase", address, "--unlock", address, "--password", o.signer.passwordFile, "--allow-insecure-unlock");
  }
  return args;
}

/** Writes genesis.json into the datadir and runs `geth init` once (a datadir already initialised is left alone). */
export async function initDatadir(bin: string, datadir: string, genesis: GethGenesis): Promise<void> {
  mkdirSync(datadir, { recursive: true, mode: 0o700 });
  const genesisFile = join(datadir, "genesis.json");
  if (existsSync(join(datadir, "geth", "chaindata"))) return;
  writeFileAtomic(genesisFile, JSON.stringify(genesis, null, 2) + "\n", 0o600);
  const proc = Bun.spawn([bin, "--datadir", datadir, "init", genesisFile], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) {
    const last = (err || out).trim().split("\n").filter(Boolean).at(-1) ?? "";
    throw new UserError(`geth init failed in ${datadir} (exit ${code}): ${last}`);
  }
}

/** The genesis this datadir was initialised from (written by initDatadir), or null. */
export function readDatadirGenesis(datadir: string): GethGenesis | null {
  const file = join(datadir, "genesis.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as GethGenesis) : null;
}

/** Copies an encrypted v3 keystore file (ours are) into geth's keystore directory; geth decrypts it itself. */
export function installKeystore(datadir: string, keystoreFile: string, address: string): void {
  const dir = join(datadir, "keystore");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, `edge-agent--${getAddress(address).toLowerCase().slice(2)}.json`);
  if (!existsSync(target)) copyFileSync(keystoreFile, target);
}

/** `geth version`'s version line, e.g. "1.13.15-stable", or a UserError saying geth is missing. */
export async function gethVersion(bin: string): Promise<string> {
  let proc;
  try {
    proc = Bun.spawn([bin, "version"], { stdout: "pipe", stderr: "ignore", stdin: "ignore" });
  } catch {
    throw new UserError(`geth not found at ${bin} (set [chain] geth_bin; scripts/bootstrap.sh installs geth v1.13.15)`);
  }
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new UserError(`${bin} version failed: is it geth?`);
  const match = /^Version:\s*(\S+)/m.exec(out);
  if (!match) throw new UserError(`${bin} version printed no version: is it geth?`);
  return match[1]!;
}
