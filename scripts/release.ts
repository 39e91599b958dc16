// `bun run release [OUT]`: builds both binaries and lays out what install.sh and `edge-agent upgrade` download:
//   OUT/install.sh   OUT/latest (the version, one line)   OUT/<version>/{edge-agent-linux-arm64,edge-agent-linux-x64,SHA256SUMS}
// Upload OUT as is to the base URL (install.sh's DEFAULT_BASE_URL, or whatever EDGE_AGENT_BASE_URL points at).
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "./build";
import { VERSION } from "../lib/version";

const ROOT = join(import.meta.dir, "..");
export const RELEASE_FILES = ["edge-agent-linux-arm64", "edge-agent-linux-x64", "SHA256SUMS"] as const;

/** Builds and lays out a release under `out`; returns the version directory. */
export async function release(out: string, version = VERSION): Promise<string> {
  await build();
  const dir = join(out, version);
  mkdirSync(dir, { recursive: true });
  for (const name of RELEASE_FILES) copyFileSync(join(ROOT, "dist", name), join(dir, name));
  copyFileSync(join(ROOT, "install.sh"), join(out, "install.sh"));
  writeFileSync(join(out, "latest"), `${version}\n`);
  return dir;
}

if (import.meta.main) {
  const out = resolve(process.argv[2] ?? join(ROOT, "dist", "release"));
  const dir = await release(out);
  console.error(`release ${VERSION} laid out in ${dir} (install.sh and latest in ${out})`);
}
