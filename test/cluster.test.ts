// `cluster create`, `join`, `status` and eviction against a real anvil, each node with its own config and data dir.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { JsonRpcProvider, Wallet, formatEther, parseEther } from "ethers";
import { decodeJoinToken, encodeJoinToken, type StatusReport } from "../lib/cluster";
import { startAnvil, type Anvil } from "./support/anvil";
import { cli, cliOk, initNode, oneLineError, removeTempDirs, type TestNode } from "./support/cli";
import { freePort } from "./support/ports";

let anvil: Anvil;
let provider: JsonRpcProvider;
let a: TestNode, b: TestNode, c: TestNode;
let token: string;
let configsBefore: Map<string, string>;

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  [a, b, c] = await Promise.all([initNode("alpha", anvil.url), initNode("bravo", anvil.url), initNode("charlie", anvil.url)]);
  configsBefore = new Map([a, b, c].map((n) => [n.name, readFileSync(n.config, "utf8")]));
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
  removeTempDirs();
});

/** This host's architecture as the agent names it (Debian names, lib/node/specs.ts), from the kernel, not from node:os. */
const machine = Bun.spawnSync(["uname", "-m"]).stdout.toString().trim();
const hostArch = ({ x86_64: "amd64", aarch64: "arm64", armv7l: "arm", armv6l: "arm" } as Record<string, string>)[machine] ?? machine;

const status = async (node: TestNode): Promise<StatusReport> => JSON.parse((await cliOk(["status", "--json", ...node.c])).stdout);

describe("a three-node cluster on anvil", () => {
  test("create prints a join token; two nodes join; status on any node lists all three members", async () => {
    token = (await cliOk(["cluster", "create", ...a.c])).stdout.trim();
    expect(token).toStartWith("edge1.");
    await cliOk(["join", "--cluster", token, ...b.c]);
    await cliOk(["join", "--cluster", token, ...c.c]);

    for (const node of [a, b, c]) {
      const s = await status(node);
      expect(s.node).toEqual({ name: node.name, address: node.address, membership: "member" });
      expect(s.chain.chainId).toBe("31337");
      expect(s.cluster!.members.map((m) => [m.name, m.address])).toEqual([[a.name, a.address], [b.name, b.address], [c.name, c.address]]);
      expect(s.cluster!.members.find((m) => m.self)!.name).toBe(node.name);
      expect(s.cluster!.members.map((m) => m.specs.arch)).toEqual([hostArch, hostArch, hostArch]);
    }
    const human = (await cliOk(["status", ...a.c])).stdout;
    expect(human).toContain("3 members");
    for (const n of [a, b, c]) expect(human).toMatch(new RegExp(`^${n.name}( \\*)?\\s+${n.address}\\s+${hostArch}\\s`, "m"));
  });

  test("create and join leave config.toml byte for byte as init wrote it; the cluster is recorded in the data dir", async () => {
    for (const n of [a, b, c]) expect(readFileSync(n.config, "utf8")).toBe(configsBefore.get(n.name)!);
    const shown = JSON.parse((await cliOk(["cluster", "show", "--json", ...b.c])).stdout);
    const genesis = (await provider.getBlock(0))!.hash;
    expect(shown).toEqual({ registry: decodeJoinToken(token).registry, chainId: "31337", genesisHash: genesis, blockPeriodS: 2, fullNodesSeal: true, endpoints: [anvil.url], mode: "dev" });
    expect((await cliOk(["cluster", "show", ...a.c])).stdout).toContain(`registry      ${shown.registry}`);
  });

  test("a config written by an older agent, with the cluster in [cluster], is read once and moved to the data dir", async () => {
    const legacy = await initNode("legacy", anvil.url);
    const { registry } = decodeJoinToken(token);
    const genesis = (await provider.getBlock(0))!.hash;
    const old = readFileSync(legacy.config, "utf8").replace("[cluster]\n", `[cluster]\nregistry = "${registry}"\nchain_id = 31337\ngenesis_hash = "${genesis}"\n`);
    writeFileSync(legacy.config, old);
    const first = await cliOk(["cluster", "show", "--json", ...legacy.c]);
    expect(first.stderr).toContain("[cluster] registry, chain_id and genesis_hash are kept in");
    expect(JSON.parse(first.stdout)).toMatchObject({ registry, chainId: "31337", genesisHash: genesis });
    const second = await cliOk(["status", "--json", ...legacy.c]);
    expect(second.stderr).not.toContain("are kept in"); // once
    expect(JSON.parse(second.stdout).node.membership).toBe("not-member"); // the key is not registered; the cluster is known
    expect(readFileSync(legacy.config, "utf8")).toBe(old); // still never rewritten
    const db = new Database(join(legacy.dir, "data", "agent.db"), { readonly: true });
    expect(JSON.parse((db.query("SELECT value FROM meta WHERE key = 'membership'").get() as { value: string }).value).registry).toBe(registry);
    db.close();
  });

  test("each registration is a mined transaction that records the node's specs", async () => {
    const s = await status(b);
    const record = s.cluster!.members.find((m) => m.name === b.name)!;
    expect(record.joinedAt).toBeGreaterThan(0);
    expect(record.specs.cpuCores).toBeGreaterThan(0);
    expect(record.specs.memoryMB).toBeGreaterThan(0);
    expect(record.endpoints).toEqual([anvil.url]);
    expect(await provider.getBlockNumber()).toBeGreaterThanOrEqual(record.joinedAt);
  });

  test("joining nodes pay their own gas from the join key's stipend, not from an operator", async () => {
    const joinKey = new Wallet(decodeJoinToken(token).joinKey).address;
    const spent = parseEther("100") - (await provider.getBalance(joinKey));
    // Two stipends of 1 ETH left the join budget (plus the gas of those two transfers).
    expect(spent).toBeGreaterThanOrEqual(parseEther("2"));
    expect(spent).toBeLessThan(parseEther("2.01"));
    for (const node of [b, c]) {
      const balance = await provider.getBalance(node.address);
      expect(balance).toBeGreaterThan(0n);
      expect(balance).toBeLessThan(parseEther("1")); // the stipend minus the registration's gas
      expect(await provider.getTransactionCount(node.address)).toBe(1); // it sent its own registration
    }
    expect(formatEther(await provider.getBalance(a.address))).not.toBe("0.0");
  });

  test("cluster token re-issues a working token on any member", async () => {
    const fromB = (await cliOk(["cluster", "token", ...b.c])).stdout.trim();
    expect(decodeJoinToken(fromB)).toEqual(decodeJoinToken(token));
  });

  test("join is idempotent for a member", async () => {
    const again = await cliOk(["join", "--cluster", token, ...b.c]);
    expect(again.stderr).toContain("already a member");
    expect((await status(a)).cluster!.members).toHaveLength(3);
  });

  test("a member is evicted by a majority of the others, and cannot rejoin with the same key", async () => {
    const first = JSON.parse((await cliOk(["cluster", "evict", c.name, "--json", ...a.c])).stdout);
    expect(first.evicted).toBe(false);
    expect((await status(a)).cluster!.members).toHaveLength(3);
    expect(oneLineError(await cli(["cluster", "evict", c.name, ...a.c]))).toContain("already voted");

    const second = JSON.parse((await cliOk(["cluster", "evict", c.address, "--json", ...b.c])).stdout);
    expect(second.evicted).toBe(true);
    const after = await status(a);
    expect(after.cluster!.members.map((m) => m.name)).toEqual([a.name, b.name]);
    expect((await status(c)).node.membership).toBe("not-member");

    expect(oneLineError(await cli(["join", "--cluster", token, ...c.c]))).toContain("was evicted");
  });
});

describe("bad input: one readable line, a non-zero exit, nothing changed", () => {
  test("a corrupt token", async () => {
    const node = await initNode("delta", anvil.url);
    const flipped = token.slice(0, 20) + (token[20] === "A" ? "B" : "A") + token.slice(21);
    expect(oneLineError(await cli(["join", "--cluster", flipped, ...node.c]))).toContain("corrupt (checksum mismatch)");
    expect(oneLineError(await cli(["join", "--cluster", "hello", ...node.c]))).toContain("not an edge-agent join token");
    expect((await status(node)).node.membership).toBe("no-cluster");
  });

  test("a foreign token: wrong chain, no registry, wrong join key, another cluster", async () => {
    const node = await initNode("echo", anvil.url);
    const real = decodeJoinToken(token);
    const foreignChain = encodeJoinToken({ ...real, chainId: 999n });
    expect(oneLineError(await cli(["join", "--cluster", foreignChain, ...node.c]))).toContain("serves chain 31337, not 999");
    const noRegistry = encodeJoinToken({ ...real, registry: Wallet.createRandom().address });
    expect(oneLineError(await cli(["join", "--cluster", noRegistry, ...node.c]))).toContain("no contract at");
    const wrongKey = encodeJoinToken({ ...real, joinKey: Wallet.createRandom().privateKey });
    expect(oneLineError(await cli(["join", "--cluster", wrongKey, ...node.c]))).toContain("does not belong to cluster");
    expect((await status(node)).node.membership).toBe("no-cluster");
    expect(await provider.getTransactionCount(node.address)).toBe(0);

    const otherCluster = encodeJoinToken({ ...real, registry: Wallet.createRandom().address });
    expect(oneLineError(await cli(["join", "--cluster", otherCluster, ...a.c]))).toContain("already belongs to cluster");
  });

  test("an unreachable chain", async () => {
    const port = await freePort();
    const node = await initNode("foxtrot", `http://127.0.0.1:${port}`);
    expect(oneLineError(await cli(["status", ...node.c]))).toBe(`error: cannot reach the chain: http://127.0.0.1:${port} (connection refused)`);
    expect(oneLineError(await cli(["cluster", "create", ...node.c]))).toContain("connection refused");
  });

  test("a wrong keystore password", async () => {
    const node = await initNode("golf", anvil.url);
    writeFileSync(`${node.dir}/password`, "not the password\n", { mode: 0o600 });
    expect(oneLineError(await cli(["cluster", "create", ...node.c]))).toContain("wrong password for keystore");
  });
});
