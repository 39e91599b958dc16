// The arm64 release through the same install path, in an arm64 Debian 12 machine: binfmt_misc hands every arm64
// ELF (systemd as PID 1 included) to qemu-aarch64-static, so this is the real aarch64 binary installed by the real
// install.sh and run by a real (emulated) systemd. The first run builds the arm64 image: about 10 minutes.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { release } from "../scripts/release";
import { VERSION } from "../lib/version";
import { startAnvil, type Anvil } from "./support/anvil";
import { cliOk, initNode, removeTempDirs, tempDir } from "./support/cli";
import { ensureArm64Binfmt, ensureDebianImage } from "./support/debian";
import { ensureDocker } from "./support/dockerd";
import { startMachine, type Machine } from "./support/machine";
import { freePort, waitFor } from "./support/ports";

let anvil: Anvil;
let server: ReturnType<typeof Bun.serve>;
let base: string;
let token: string;
let pi: Machine | undefined;

beforeAll(async () => {
  await ensureArm64Binfmt();
  const docker = await ensureDocker();
  const out = tempDir();
  let image: string;
  [anvil, image] = await Promise.all([startAnvil(), ensureDebianImage(docker, "arm64"), release(out)]);
  const port = await freePort();
  server = Bun.serve({ hostname: "127.0.0.1", port, fetch: (req) => new Response(Bun.file(join(out, new URL(req.url).pathname.replace(/\.\./g, "")))) });
  base = `http://127.0.0.1:${port}`;
  token = (await cliOk(["cluster", "create", ...(await initNode("host-1", anvil.url)).c])).stdout.trim();
  pi = await startMachine(image, `edge-agent-test-arm64-${process.pid}`);
}, 1_200_000);

afterAll(async () => {
  await pi?.remove();
  server?.stop(true);
  await anvil?.stop();
  removeTempDirs();
});

const sh = async (script: string) => (await pi!.exec(script)).stdout.trim();

test("on aarch64, curl | sh installs edge-agent-linux-arm64, joins, and systemd runs it; a second run changes nothing", async () => {
  expect(await sh("uname -m")).toBe("aarch64");
  // Under qemu-user the emulated Bun needs far more than the unit's MemoryMax=512M (the memory cgroup kills it
  // at start with SIGKILL); a drop-in lifts the limit for emulation only. A real Pi runs the unit as written.
  await pi!.exec("mkdir -p /etc/systemd/system/edge-agent.service.d && printf '[Service]\\nMemoryMax=infinity\\n' > /etc/systemd/system/edge-agent.service.d/qemu.conf");
  const r = await pi!.exec(`curl -fsSL ${base}/install.sh | sh -s -- join --cluster ${token}`, { EDGE_AGENT_BASE_URL: base, EDGE_AGENT_RPC: anvil.url, EDGE_AGENT_NAME: "pi-arm" });
  if (r.exitCode !== 0) r.stderr += `\n${await sh("journalctl -u edge-agent --no-pager | tail -n 15")}`;
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stdout).toContain(`downloading edge-agent ${VERSION} (edge-agent-linux-arm64)`);
  const expected = readFileSync(join(import.meta.dir, "../dist/SHA256SUMS"), "utf8").match(/^(\w+)\s+edge-agent-linux-arm64$/m)![1];
  expect(await sh("sha256sum /usr/local/bin/edge-agent | cut -d' ' -f1")).toBe(expected!);
  expect(await sh("edge-agent --version")).toContain("bun-linux-arm64");
  await waitFor("the emulated service to be active", async () => (await sh("systemctl is-active edge-agent")) === "active", 60_000);
  const status = JSON.parse(await sh("edge-agent status --json"));
  expect(status.node.membership).toBe("member");
  expect(status.daemon?.pid).toBe(Number(await sh("systemctl show -p MainPID --value edge-agent")));

  const pid = await sh("systemctl show -p MainPID --value edge-agent");
  const again = await pi!.exec(`curl -fsSL ${base}/install.sh | sh`, { EDGE_AGENT_BASE_URL: base });
  expect(again.exitCode, again.stderr).toBe(0);
  expect(again.stdout).toContain("nothing changed; edge-agent.service keeps running");
  expect(await sh("systemctl show -p MainPID --value edge-agent")).toBe(pid);
}, 240_000);
