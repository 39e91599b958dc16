// install.sh for real: a release laid out by scripts/release.ts, served over HTTP from this process, installed by
// `curl … | sh` into a Debian 12 machine (local debootstrap image, systemd as PID 1) that joins a real anvil cluster
// and runs the agent as a systemd service, watchdog included.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { release } from "../scripts/release";
import { VERSION } from "../lib/version";
import { DEFAULT_BASE_URL } from "../lib/release/source";
import { startAnvil, type Anvil } from "./support/anvil";
import { cliOk, initNode, removeTempDirs, tempDir } from "./support/cli";
import { ensureDebianImage } from "./support/debian";
import { ensureDocker } from "./support/dockerd";
import { startMachine, type Machine } from "./support/machine";
import { freePort, waitFor } from "./support/ports";

let anvil: Anvil;
let server: ReturnType<typeof Bun.serve>;
let base: string;
let token: string;
let image: string;
let requests = 0;
let out: string; // the served release tree
let pi: Machine; // installs, upgrades in place, uninstalls
let bare: Machine; // must stay untouched
let hangDir: string; // a Docker socket that accepts and never answers, to make the agent's loop stuck
const machines: Machine[] = [];

const BIN = "/usr/local/bin/edge-agent";
const INSTALLED = [BIN, "/usr/local/bin/edge-agent-uninstall.sh", "/etc/systemd/system/edge-agent.service", "/etc/edge-agent/edge-agent.env", "/etc/edge-agent/config.toml", "/var/lib/edge-agent/keystore.json"];
const SNAPSHOT = "find /etc /usr/local /var/lib /opt -xdev 2>/dev/null | grep -v -e '^/var/lib/systemd' -e '^/etc/ld.so.cache' | sort";

beforeAll(async () => {
  const docker = await ensureDocker();
  out = tempDir();
  [anvil, image] = await Promise.all([startAnvil(), ensureDebianImage(docker, "amd64"), release(out)]);
  // A "release" whose binary was altered after SHA256SUMS was made.
  mkdirSync(join(out, "tampered"));
  copyFileSync(join(out, VERSION, "SHA256SUMS"), join(out, "tampered/SHA256SUMS"));
  copyFileSync(join(out, VERSION, "edge-agent-linux-x64"), join(out, "tampered/edge-agent-linux-x64"));
  appendFileSync(join(out, "tampered/edge-agent-linux-x64"), "#");
  const port = await freePort();
  server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    fetch(req) {
      requests++;
      const file = Bun.file(join(out, new URL(req.url).pathname.replace(/\.\./g, "")));
      return file.exists().then((yes) => (yes ? new Response(file) : new Response("not found", { status: 404 })));
    },
  });
  base = `http://127.0.0.1:${port}`;

  const host = await initNode("host-1", anvil.url);
  token = (await cliOk(["cluster", "create", ...host.c])).stdout.trim();

  hangDir = tempDir();
  Bun.listen({ unix: join(hangDir, "docker.sock"), socket: { data() {} } }); // reads requests, never answers
  const suffix = process.pid;
  [pi, bare] = await Promise.all([
    startMachine(image, `edge-agent-test-pi-${suffix}`, { volumes: [`${hangDir}:/hang`] }),
    startMachine(image, `edge-agent-test-bare-${suffix}`),
  ]);
  machines.push(pi, bare);
}, 600_000);

afterAll(async () => {
  await Promise.all(machines.map((m) => m.remove()));
  server?.stop(true);
  await anvil?.stop();
  removeTempDirs();
});

/** Writes SHA256SUMS for the x64 binary in a release directory. */
function publish(dir: string): void {
  const digest = createHash("sha256").update(readFileSync(join(dir, "edge-agent-linux-x64"))).digest("hex");
  writeFileSync(join(dir, "SHA256SUMS"), `${digest}  edge-agent-linux-x64\n`);
}

const install = (m: Machine, env: Record<string, string> = {}, args = "") =>
  m.exec(`curl -fsSL ${base}/install.sh | sh -s -- ${args}`, { EDGE_AGENT_BASE_URL: base, ...env });
const sh = async (m: Machine, script: string) => (await m.exec(script)).stdout.trim();
const mainPid = (m: Machine) => sh(m, "systemctl show -p MainPID --value edge-agent");
const mtimes = (m: Machine) => sh(m, `stat -c '%n %Y' ${INSTALLED.join(" ")}`);

describe("install.sh on a fresh Debian 12 with systemd", () => {
  let before: string;
  let address: string;

  test("curl | sh installs the checked binary, inits, joins the cluster and systemd runs the agent", async () => {
    before = await sh(pi, SNAPSHOT);
    const r = await install(pi, { EDGE_AGENT_CLUSTER: token, EDGE_AGENT_RPC: anvil.url, EDGE_AGENT_NAME: "pi-1" });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`downloading edge-agent ${VERSION} (edge-agent-linux-x64)`);
    expect(r.stdout).toContain("started edge-agent.service");
    const expected = readFileSync(join(import.meta.dir, "../dist/SHA256SUMS"), "utf8").match(/^(\w+)\s+edge-agent-linux-x64$/m)![1];
    expect(await sh(pi, `sha256sum ${BIN} | cut -d' ' -f1`)).toBe(expected!);
    // Type=notify: "active" means the compiled binary's READY=1 reached systemd through bun:ffi.
    expect(await sh(pi, "systemctl is-active edge-agent; systemctl is-enabled edge-agent")).toBe("active\nenabled");
    expect(await sh(pi, "stat -c '%a %n' /etc/edge-agent/edge-agent.env /var/lib/edge-agent/keystore.json /etc/edge-agent/password")).toBe(
      "600 /etc/edge-agent/edge-agent.env\n600 /var/lib/edge-agent/keystore.json\n600 /etc/edge-agent/password",
    );
    const status = JSON.parse(await sh(pi, "edge-agent status --json"));
    address = status.node.address;
    expect(status.node.membership).toBe("member");
    expect(status.cluster.members.map((m: { name: string }) => m.name).sort()).toEqual(["host-1", "pi-1"]);
    expect(status.daemon?.pid).toBe(Number(await mainPid(pi))); // the service answers on its control socket
    await waitFor("the agent's log in the journal", async () => (await sh(pi, "journalctl -u edge-agent --no-pager")).includes("chain reachable"), 30_000);
    expect((await pi.exec("systemd-analyze verify /etc/systemd/system/edge-agent.service")).stderr).not.toContain("edge-agent.service");
  });

  test("a second run with nothing changed rewrites nothing and restarts nothing", async () => {
    const [pid, times] = [await mainPid(pi), await mtimes(pi)];
    const r = await install(pi, { EDGE_AGENT_CLUSTER: token });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("nothing changed; edge-agent.service keeps running");
    expect(r.stdout).not.toContain("wrote ");
    expect(await mainPid(pi)).toBe(pid);
    expect(await mtimes(pi)).toBe(times);
  });

  test("systemd restarts the agent when it dies, and when its loop is stuck the watchdog does", async () => {
    const pid = await mainPid(pi);
    await pi.exec("kill -9 $(systemctl show -p MainPID --value edge-agent)");
    await waitFor("systemd to restart the killed agent", async () => !["0", pid].includes(await mainPid(pi)) && (await sh(pi, "systemctl is-active edge-agent")) === "active", 30_000);

    // A short watchdog, and a Docker socket that never answers: the reconcile pass hangs, the pings stop.
    await pi.exec(`mkdir -p /etc/systemd/system/edge-agent.service.d && printf '[Service]\\nWatchdogSec=3s\\n' > /etc/systemd/system/edge-agent.service.d/test.conf
      sed -i -e 's|^socket = "/var/run/docker.sock"|socket = "/hang/docker.sock"|' -e 's|^stuck_after_ms = .*|stuck_after_ms = 1000|' -e 's|^resync_interval_ms = .*|resync_interval_ms = 500|' /etc/edge-agent/config.toml
      systemctl daemon-reload && systemctl restart edge-agent`);
    const restarts = Number(await sh(pi, "systemctl show -p NRestarts --value edge-agent"));
    await waitFor("the watchdog to kill the stuck agent", async () => Number(await sh(pi, "systemctl show -p NRestarts --value edge-agent")) > restarts, 40_000);
    const journal = await sh(pi, "journalctl -u edge-agent --no-pager");
    expect(journal).toContain("watchdog: not pinging systemd: reconcile: one run has taken");
    expect(journal).toMatch(/Watchdog timeout/);

    await pi.exec(`rm /etc/systemd/system/edge-agent.service.d/test.conf
      sed -i -e 's|^socket = "/hang/docker.sock"|socket = "/var/run/docker.sock"|' /etc/edge-agent/config.toml
      systemctl daemon-reload && systemctl restart edge-agent`);
    expect(await sh(pi, "systemctl is-active edge-agent")).toBe("active");
  }, 90_000);

  test("upgrade replaces the binary from the same base URL and systemd runs the new one", async () => {
    // Another build of the same source, told apart by its commit string.
    const dir = join(out, "0.1.1-test");
    mkdirSync(dir);
    const built = Bun.spawnSync([process.execPath, "build", "agent.ts", "--compile", "--target=bun-linux-x64", `--outfile=${join(dir, "edge-agent-linux-x64")}`,
      "--define", 'EDGE_AGENT_COMMIT="upgrade-test"', "--define", 'EDGE_AGENT_TARGET="bun-linux-x64"'], { cwd: join(import.meta.dir, ".."), stderr: "pipe" });
    expect(built.exitCode, built.stderr.toString()).toBe(0);
    publish(dir);
    const pid = await mainPid(pi);
    const r = await pi.exec("edge-agent upgrade --version 0.1.1-test --deadline 60");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("upgraded /usr/local/bin/edge-agent to 0.1.1-test");
    expect(await sh(pi, "edge-agent --version")).toContain("commit upgrade-test");
    expect(await mainPid(pi)).not.toBe(pid);
    expect(JSON.parse(await sh(pi, "edge-agent status --json")).daemon?.pid).toBe(Number(await mainPid(pi)));
  });

  test("upgrade to a release that never becomes healthy rolls back to the running binary", async () => {
    const dir = join(out, "0.1.2-broken");
    mkdirSync(dir);
    writeFileSync(join(dir, "edge-agent-linux-x64"), "#!/bin/sh\necho 'broken build' >&2\nexit 1\n"); // checksum-correct, but dies at start
    publish(dir);
    const sum = await sh(pi, `sha256sum ${BIN}`);
    const r = await pi.exec("edge-agent upgrade --version 0.1.2-broken --deadline 8");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error: 0.1.2-broken did not report healthy within 8 s; restored the previous binary");
    expect(await sh(pi, `sha256sum ${BIN}`)).toBe(sum);
    await waitFor("the restored agent to be healthy", async () => JSON.parse(await sh(pi, "edge-agent status --json")).daemon?.pid === Number(await mainPid(pi)), 30_000);
  }, 90_000);

  test("uninstall --keep-data keeps the node's identity; an offline reinstall reuses it; plain uninstall leaves nothing", async () => {
    await pi.exec(`cp ${BIN} /root/edge-agent`);
    let r = await pi.exec("edge-agent-uninstall.sh --keep-data");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await sh(pi, `ls ${INSTALLED.join(" ")} 2>/dev/null`)).toBe("/etc/edge-agent/config.toml\n/var/lib/edge-agent/keystore.json");
    expect(await sh(pi, "systemctl is-active edge-agent")).not.toBe("active");

    const served = requests;
    r = await pi.exec(`cp /root/edge-agent ${BIN} && sh -s`, { EDGE_AGENT_SKIP_DOWNLOAD: "true" }, readFileSync(join(import.meta.dir, "../install.sh"), "utf8"));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(requests).toBe(served); // offline: nothing downloaded
    expect(r.stdout).toContain("keeping the existing config");
    expect(JSON.parse(await sh(pi, "edge-agent status --json")).node.address).toBe(address);
    expect(await sh(pi, "systemctl is-active edge-agent")).toBe("active");

    r = await pi.exec("edge-agent-uninstall.sh && rm /root/edge-agent");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await sh(pi, SNAPSHOT)).toBe(before);
    expect(await sh(pi, "systemctl list-unit-files edge-agent.service --no-legend")).toBe("");
  });
});

describe("install.sh refuses before touching anything", () => {
  test("install.sh and `edge-agent upgrade` default to the same release location", () => {
    expect(readFileSync(join(import.meta.dir, "../install.sh"), "utf8")).toContain(`\nDEFAULT_BASE_URL=${DEFAULT_BASE_URL}\n`);
  });

  test("a binary that does not match SHA256SUMS is refused and nothing is installed", async () => {
    const before = await sh(bare, SNAPSHOT);
    const r = await install(bare, { EDGE_AGENT_VERSION: "tampered" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/checksum mismatch for edge-agent-linux-x64: SHA256SUMS says \w{64}, the download is \w{64}; nothing was installed/);
    expect(await sh(bare, SNAPSHOT)).toBe(before);
  });

  test("an unknown architecture (i686 through setarch) is refused with a clear reason", async () => {
    const before = await sh(bare, SNAPSHOT);
    const r = await bare.exec(`curl -fsSL ${base}/install.sh | setarch i686 sh`, { EDGE_AGENT_BASE_URL: base });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toStartWith("[edge-agent] error: unsupported architecture 'i686'");
    expect(await sh(bare, SNAPSHOT)).toBe(before);
  });

  test("a truncated download executes nothing, wherever it is cut", async () => {
    const script = readFileSync(join(import.meta.dir, "../install.sh"), "utf8");
    const before = await sh(bare, SNAPSHOT);
    const served = requests;
    const cuts = [0.1, 0.3, 0.5, 0.7, 0.9].map((f) => Math.floor(script.length * f)).concat([script.lastIndexOf("main \"$@\""), script.length - 2]);
    const body = script.indexOf("\n{\n");
    for (const cut of cuts) {
      const r = await bare.exec("sh -s", { EDGE_AGENT_BASE_URL: base }, script.slice(0, cut));
      // Cut inside the header comments: a script of comments. Cut anywhere in the body: a syntax error.
      if (cut > body) expect(r.stderr, `cut at ${cut}`).toMatch(/Syntax error|expecting "}"/);
      if (cut > body) expect(r.exitCode, `cut at ${cut}`).not.toBe(0);
      expect(r.stdout, `cut at ${cut}`).toBe("");
      expect(r.stderr, `cut at ${cut}`).not.toContain("[edge-agent]");
    }
    expect(requests).toBe(served);
    expect(await sh(bare, SNAPSHOT)).toBe(before);
  });
});
