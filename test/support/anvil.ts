// Starts a real anvil (from the npm package @foundry-rs/anvil) on its own port for one test file.
// With `persistent`, its state survives stop() + restart() on the same port, to play a chain node going away.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./cli";
import { freePort, waitFor } from "./ports";

export const ANVIL_BIN = join(import.meta.dir, "../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");

export type Anvil = { url: string; port: number; stop(): Promise<void>; restart(): Promise<void> };

async function rpcAnswers(url: string): Promise<boolean> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
  });
  return res.ok;
}

export async function startAnvil(extraArgs: string[] = [], opts: { persistent?: boolean } = {}): Promise<Anvil> {
  if (!existsSync(ANVIL_BIN)) throw new Error(`anvil not found at ${ANVIL_BIN}: run scripts/bootstrap.sh`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stateDir = opts.persistent ? tempDir() : undefined; // removed by removeTempDirs()
  const args = [ANVIL_BIN, "--host", "127.0.0.1", "--port", String(port), "--hardfork", "paris", "--silent", ...extraArgs];
  if (stateDir) args.push("--state", join(stateDir, "state.json"));

  let proc: ReturnType<typeof Bun.spawn> | undefined;
  const launch = async () => {
    proc = Bun.spawn(args, { stdout: "ignore", stderr: "inherit" });
    await waitFor(`anvil on ${url}`, () => rpcAnswers(url), 20_000);
  };
  await launch();
  return {
    url,
    port,
    restart: launch,
    async stop() {
      proc?.kill("SIGTERM"); // anvil writes --state on SIGTERM
      await proc?.exited;
      proc = undefined;
    },
  };
}
