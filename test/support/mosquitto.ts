// Starts a real mosquitto broker (Debian package) on a free loopback port for one test file.
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killWhenWeExit } from "./dockerd";
import { freePort, waitFor } from "./ports";

export const MOSQUITTO_BIN = "/usr/sbin/mosquitto";

export type Mosquitto = { url: string; port: number; stop(): Promise<void> };

/** `extraConfig`: more mosquitto.conf lines (e.g. a bridge), appended after the listener. */
export async function startMosquitto(opts: { extraConfig?: string[] } = {}): Promise<Mosquitto> {
  if (!existsSync(MOSQUITTO_BIN)) throw new Error(`${MOSQUITTO_BIN} not found: run scripts/bootstrap.sh`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "edge-agent-mosquitto-"));
  const conf = join(dir, "mosquitto.conf");
  const log = join(dir, "mosquitto.log");
  const lines = [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "log_dest stderr"];
  writeFileSync(conf, [...lines, ...(opts.extraConfig ?? [])].join("\n") + "\n");

  const fd = openSync(log, "w");
  const proc = Bun.spawn([MOSQUITTO_BIN, "-c", conf], { stdin: "ignore", stdout: fd, stderr: fd });
  closeSync(fd);
  proc.unref();
  const cancelKillAtExit = killWhenWeExit(proc.pid);
  let exited = false;
  void proc.exited.then(() => (exited = true));

  const stop = async () => {
    cancelKillAtExit();
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  await waitFor(`mosquitto on 127.0.0.1:${port}`, async () => exited || (await tcpOpens(port)), 10_000).catch(async (err) => {
    await stop();
    throw err;
  });
  if (exited) {
    const output = readFileSync(log, "utf8");
    await stop();
    throw new Error(`mosquitto exited at start:\n${output}`);
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, stop };
}

function tcpOpens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}
