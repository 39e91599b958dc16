// Starts a real anvil (from the npm package @foundry-rs/anvil) on its own port for one test file.
import { join } from "node:path";
import { existsSync } from "node:fs";
import { freePort, waitFor } from "./ports";

export const ANVIL_BIN = join(import.meta.dir, "../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");

export type Anvil = { url: string; port: number; stop(): Promise<void> };

async function rpcAnswers(url: string): Promise<boolean> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
  });
  return res.ok;
}

export async function startAnvil(extraArgs: string[] = []): Promise<Anvil> {
  if (!existsSync(ANVIL_BIN)) throw new Error(`anvil not found at ${ANVIL_BIN}: run scripts/bootstrap.sh`);
  const port = await freePort();
  const proc = Bun.spawn([ANVIL_BIN, "--host", "127.0.0.1", "--port", String(port), "--hardfork", "paris", "--silent", ...extraArgs], {
    stdout: "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`anvil on ${url}`, () => rpcAnswers(url), 20_000);
  return {
    url,
    port,
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
}
