// Compiles contracts/*.sol with npm solc (evmVersion paris, optimizer on) into contracts/out/artifacts.json,
// which lib/chain imports so the ABIs and bytecode end up inside the compiled binary.
import { readdirSync, readFileSync, statSync, existsSync, mkdirSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";

const CONTRACTS_DIR = join(import.meta.dir, "../contracts");
const OUT_DIR = join(CONTRACTS_DIR, "out");
export const ARTIFACTS_FILE = join(OUT_DIR, "artifacts.json");

function sources(): string[] {
  return readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith(".sol")).sort();
}

function upToDate(): boolean {
  if (!existsSync(ARTIFACTS_FILE)) return false;
  const built = statSync(ARTIFACTS_FILE).mtimeMs;
  return sources().every((f) => statSync(join(CONTRACTS_DIR, f)).mtimeMs <= built) && statSync(import.meta.path).mtimeMs <= built;
}

export async function compileContracts({ force = false } = {}): Promise<void> {
  if (!force && upToDate()) return;
  const solc = (await import("solc")).default;
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(sources().map((f) => [f, { content: readFileSync(join(CONTRACTS_DIR, f), "utf8") }])),
    settings: {
      evmVersion: "paris", // Clique geth v1.13.15 has no shanghai/cancun
      optimizer: { enabled: true, runs: 200 },
      viaIR: true,
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e: { formattedMessage: string }) => e.formattedMessage).join("\n"));
  const artifacts: Record<string, { abi: unknown[]; bytecode: string }> = {};
  for (const file of Object.keys(output.contracts)) {
    for (const [name, c] of Object.entries<any>(output.contracts[file])) {
      artifacts[name] = { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
    }
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const tmp = `${ARTIFACTS_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ compiler: solc.version(), evmVersion: "paris", contracts: artifacts }, null, 1));
  renameSync(tmp, ARTIFACTS_FILE);
  console.error(`compiled ${Object.keys(artifacts).join(", ")} with solc ${solc.version()}`);
}

if (import.meta.main) await compileContracts({ force: process.argv.includes("--force") });
