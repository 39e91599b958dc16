// Full mode on one host (loopback): `cluster create` starts a Clique chain on a supervised geth; a joiner refuses a
// genesis whose hash is not the token's, and a dev cluster's token; the daemon restarts geth when it dies.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { decodeJoinToken, encodeJoinToken, type StatusReport } from "../lib/cluster";
import { startAgent, type RunningAgent } from "./support/agents";
import { startAnvil } from "./support/anvil";
import { cli, cliOk, initNode, oneLineError, removeTempDirs, tempDir, type TestNode } from "./support/cli";
import { initLoopbackFullNode } from "./support/full-cluster";
import { waitFor } from "./support/ports";

const root = tempDir();
let creator: TestNode;
let agent: RunningAgent;
let token: string;

const fullNode = (name: string) => initLoopbackFullNode(name, root);

beforeAll(async () => {
  creator = await fullNode("first");
  token = (await cliOk(["cluster", "create", ...creator.c])).stdout.trim();
  agent = startAgent(creator);
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  removeTempDirs();
});

test("the token carries the genesis hash, its parameters and the creator's enode; status shows the local geth as a signer", async () => {
  const t = decodeJoinToken(token);
  expect(t.genesisHash).toMatch(/^0x[0-9a-f]{64}$/);
  expect(t.chain!.genesis.signer).toBe(creator.address);
  expect(t.chain!.genesis.period).toBe(1);
  expect(t.chain!.enodes).toHaveLength(1);
  expect(t.chain!.fullNodesSeal).toBe(true);
  await waitFor("the daemon's geth", async () => (await cli(["status", "--json", ...creator.c])).exitCode === 0, 30_000);
  const s: StatusReport = JSON.parse((await cliOk(["status", "--json", ...creator.c])).stdout);
  expect(s.chain.mode).toBe("full");
  expect(s.chain.geth).toMatchObject({ signer: true, signers: 1, syncing: false });
  expect(s.chain.geth!.version).toContain("v1.13.15");
  expect(s.node.membership).toBe("member");
  const text = (await cliOk(["status", ...creator.c])).stdout;
  expect(text).toMatch(/^geth\s+Geth\/v1\.13\.15\S*\s+synced #\d+\s+0 peer\(s\)\s+signer \(1 of 1\)/m);
}, 60_000);

test("a joiner refuses a genesis whose hash differs from the token's, and keeps no chain of it", async () => {
  const real = decodeJoinToken(token);
  const altered = encodeJoinToken({ ...real, chain: { ...real.chain!, genesis: { ...real.chain!.genesis, time: real.chain!.genesis.time + 1 } } });
  const joiner = await fullNode("mallory-victim");
  const line = oneLineError(await cli(["join", "--cluster", altered, ...joiner.c]));
  expect(line).toMatch(/^error: the genesis built from the token has hash 0x[0-9a-f]{64}, not the token's 0x[0-9a-f]{64}: the token is altered or from another cluster$/);
  expect(existsSync(join(joiner.dir, "data", "geth", "geth", "chaindata"))).toBe(false);
  // Not in a cluster and no geth running: status says where the chain would come from.
  expect(oneLineError(await cli(["status", ...joiner.c]))).toMatch(/^error: cannot reach the chain: http:\/\/127\.0\.0\.1:\d+ \(connection refused\); in full mode this node's geth runs while `edge-agent run` does$/);
}, 60_000);

test("a full node refuses a dev cluster's token", async () => {
  const anvil = await startAnvil();
  try {
    const dev = await initNode("dev-first", anvil.url, root);
    const devToken = (await cliOk(["cluster", "create", ...dev.c])).stdout.trim();
    const joiner = await fullNode("full-joiner");
    expect(oneLineError(await cli(["join", "--cluster", devToken, ...joiner.c]))).toContain("this token is for a dev-chain cluster");
  } finally {
    await anvil.stop();
  }
}, 60_000);

test("the daemon restarts geth when it dies, and the chain goes on", async () => {
  const ipcDatadir = join(creator.dir, "data", "geth");
  const pid = Number((await Bun.$`pgrep -f -- ${"--datadir " + ipcDatadir + " "}`.text()).trim().split("\n")[0]);
  expect(pid).toBeGreaterThan(0);
  const before: StatusReport = JSON.parse((await cliOk(["status", "--json", ...creator.c])).stdout);
  process.kill(pid, "SIGKILL");
  await waitFor("the agent to notice", async () => agent.logText().includes("geth exited"), 10_000);
  await waitFor("geth back and sealing", async () => {
    const r = await cli(["status", "--json", ...creator.c]);
    return r.exitCode === 0 && (JSON.parse(r.stdout) as StatusReport).chain.head.number > before.chain.head.number + 2;
  }, 30_000);
  expect(agent.logText()).toMatch(/geth exited \(code \S+\); restarting in 1000 ms/);
}, 60_000);
