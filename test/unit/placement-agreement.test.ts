// One placement rule: on random clusters (members with random labels and capacities, apps with random constraints,
// replicas claimed at random), the TypeScript rule (lib/placement/rule.ts) and the AppRegistry contract's own
// `eligibility()` on a real anvil give the same answer for every app × member (and a non-member), and every claim
// the TypeScript planner makes from that state is accepted by the contract. Each case starts from a snapshot of a
// freshly deployed cluster (evm_snapshot / evm_revert); senders are impersonated, so no key signs but the join key.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Interface, JsonRpcProvider, Wallet, getAddress, hexlify, randomBytes, type InterfaceAbi } from "ethers";
import { AppRegistry, AppRegistryArtifact, DeviceRegistry, DeviceRegistryArtifact, appIdOf, portWord, signAdmission } from "../../lib/chain";
import type { AppSpec } from "../../lib/apps/types";
import { deployClusterContracts } from "../../lib/cluster/deploy";
import { placementNodes, planPlacement } from "../../lib/placement/plan";
import { ineligibility, usageByNode } from "../../lib/placement/rule";
import { startAnvil, type Anvil } from "../support/anvil";

const CASES = Number(process.env.PLACEMENT_CASES ?? 300);
const SEED = Number(process.env.PLACEMENT_SEED ?? Date.now() % 100_000);

let anvil: Anvil;
let provider: JsonRpcProvider;
let registry: DeviceRegistry;
let apps: AppRegistry;
let joinKey: Wallet;
let chainId: bigint;
let snapshot: string;
/** The cluster's admin operator (impersonated, like the members): it deploys the apps. */
const OPERATOR = getAddress(hexlify(randomBytes(20)));
const devicesIface = new Interface(DeviceRegistryArtifact.abi as unknown as InterfaceAbi);
const appsIface = new Interface(AppRegistryArtifact.abi as unknown as InterfaceAbi);

beforeAll(async () => {
  anvil = await startAnvil(["--auto-impersonate"]);
  provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, batchMaxCount: 100, batchStallTime: 0, cacheTimeout: -1 });
  chainId = (await provider.getNetwork()).chainId;
  const deployer = await provider.getSigner(0);
  joinKey = new Wallet(Wallet.createRandom().privateKey);
  const deployed = await deployClusterContracts(deployer, joinKey.address, OPERATOR, { livenessGraceSeconds: 60, solverBlocks: 3, eventBlocks: 10 });
  await provider.send("anvil_setBalance", [OPERATOR, "0x56bc75e2d63100000"]);
  registry = new DeviceRegistry(deployed.registry.address, provider);
  apps = new AppRegistry(deployed.apps.address, provider);
  await provider.send("evm_setAutomine", [false]);
  snapshot = await provider.send("evm_snapshot", []);
}, 60_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed with PLACEMENT_SEED. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const chance = (p: number) => next() < p;
  return { int, pick, chance };
}

const LABELS = { zone: ["barn", "field"], tier: ["edge", "core"], gpu: ["yes"] } as const;
const PORTS = [{ host: 8080, container: 80, protocol: "tcp" }, { host: 8081, container: 80, protocol: "tcp" }, { host: 5353, container: 53, protocol: "udp" }, { host: 8080, container: 8080, protocol: "udp" }] as const;

/**
 * Transactions sent as impersonated senders with explicit nonces, mined together in one block (automine is off):
 * one round trip for the sends, one for the block, one for the receipts. Same-sender transactions keep their order.
 */
class Batch {
  private readonly txs: Array<{ from: string; to: string; data: string; nonce: number }> = [];
  constructor(private readonly nonces: Map<string, number>) {}

  add(from: string, to: string, data: string): void {
    const nonce = this.nonces.get(from) ?? 0;
    this.nonces.set(from, nonce + 1);
    this.txs.push({ from, to, data, nonce });
  }

  /** Whether each transaction succeeded, in the order they were added. */
  async run(): Promise<boolean[]> {
    const hashes: string[] = await Promise.all(this.txs.map((t) => provider.send("eth_sendTransaction", [{ ...t, nonce: `0x${t.nonce.toString(16)}`, gas: "0x7a1200" }])));
    await provider.send("evm_mine", []);
    const receipts = await Promise.all(hashes.map((h) => provider.getTransactionReceipt(h)));
    return receipts.map((r) => r?.status === 1);
  }
}

test(`TypeScript and the contract agree on eligibility for ${CASES} random clusters (seed ${SEED})`, async () => {
  const r = rng(SEED);
  let pairs = 0;
  let planned = 0;
  const reasons = new Map<string, number>();
  for (let c = 0; c < CASES; c++) {
    await provider.send("evm_revert", [snapshot]);
    snapshot = await provider.send("evm_snapshot", []);

    const nonces = new Map<string, number>();
    const members = Array.from({ length: r.int(1, 5) }, () => getAddress(hexlify(randomBytes(20))));
    await Promise.all(members.map((m) => provider.send("anvil_setBalance", [m, "0x56bc75e2d63100000"])));
    const registrations = new Batch(nonces);
    for (const [i, m] of members.entries()) {
      const labels = Object.entries(LABELS).filter(() => r.chance(0.6)).map(([k, vs]) => `${k}=${r.pick(vs)}`).sort();
      const specs = { arch: "arm64", cpuCores: r.int(1, 4), cpuMHz: 1500, memoryMB: BigInt(r.pick([512, 1024, 2048, 4096])), diskMB: 32_000n };
      const signature = await signAdmission(joinKey, chainId, registry.address, m);
      registrations.add(m, registry.address, devicesIface.encodeFunctionData("register", [`n${c}-${i}`, specs, labels, [], signature]));
    }
    expect(await registrations.run()).toEqual(members.map(() => true));

    const ids: string[] = [];
    const deploys = new Batch(nonces);
    const appCount = r.int(1, 4);
    for (let a = 0; a < appCount; a++) {
      const everyNode = r.chance(0.15);
      const spec: AppSpec = {
        image: "img",
        replicas: everyNode ? 0 : r.int(1, 4),
        ports: PORTS.filter(() => r.chance(0.25)).filter((p, i, all) => all.findIndex((q) => q.host === p.host && q.protocol === p.protocol) === i).map((p) => ({ ...p })),
        env: {},
        cpuMilli: r.pick([0, 250, 500, 1000, 2000, 3000]),
        memoryMB: r.pick([0, 128, 256, 1024, 2048]),
        selector: Object.fromEntries(Object.entries(LABELS).filter(() => r.chance(0.3)).map(([k, vs]) => [k, r.pick(vs)])),
        spread: r.chance(0.4),
        everyNode,
        pin: r.chance(0.15) ? r.pick(members) : null,
      };
      const chainSpec = {
        image: spec.image, replicas: spec.replicas, ports: spec.ports.map(portWord), env: [], cpuMilli: spec.cpuMilli, memoryMB: spec.memoryMB,
        selector: Object.entries(spec.selector).sort().map(([k, v]) => `${k}=${v}`), spread: spec.spread, everyNode: spec.everyNode, pin: spec.pin ?? "0x0000000000000000000000000000000000000000",
      };
      const name = `app${a}`;
      deploys.add(OPERATOR, apps.address, appsIface.encodeFunctionData("deploy", [name, chainSpec]));
      ids.push(appIdOf(name));
    }
    expect(await deploys.run()).toEqual(ids.map(() => true));

    // Random claims, many refused by the contract (that is the point: usage ends up anywhere the rule allows).
    const claims = new Batch(nonces);
    const randomClaims = r.int(0, 8);
    for (let k = 0; k < randomClaims; k++) {
      const id = r.pick(ids);
      claims.add(r.pick(members), apps.address, r.chance(0.3) ? appsIface.encodeFunctionData("claimEveryNode", [id]) : appsIface.encodeFunctionData("claim", [id, [r.int(0, 3)]]));
    }
    await claims.run();

    const [records, nodeRecords] = await Promise.all([apps.snapshot(), registry.nodes()]);
    const nodes = placementNodes(nodeRecords);
    const usage = usageByNode(records, nodes);
    const outsider = getAddress(hexlify(randomBytes(20)));
    const checks = records.flatMap((app) => [...members, outsider].map((node) => ({ app, node })));
    const onChain = await Promise.all(checks.map(({ app, node }) => apps.eligibility(app.id, node)));
    for (const [i, { app, node }] of checks.entries()) {
      const ts = ineligibility(app, nodes.find((n) => n.address === node), usage.get(node));
      if (ts !== onChain[i]) throw new Error(`case ${c} (seed ${SEED}): app ${app.name} ${JSON.stringify(app.spec)} on ${node}: TypeScript says ${ts}, the contract ${onChain[i]}`);
      reasons.set(ts, (reasons.get(ts) ?? 0) + 1);
      pairs++;
    }

    // Every claim of the TypeScript plan from this state is one the contract accepts.
    const plan = [...planPlacement(records, nodes)].flatMap(([node, list]) => list.map((claim) => ({ node, claim })));
    const planBatch = new Batch(nonces);
    for (const { node, claim } of plan) {
      planBatch.add(node, apps.address, "everyNode" in claim ? appsIface.encodeFunctionData("claimEveryNode", [claim.appId]) : appsIface.encodeFunctionData("claim", [claim.appId, claim.replicas]));
    }
    for (const [i, ok] of (await planBatch.run()).entries()) {
      if (!ok) throw new Error(`case ${c} (seed ${SEED}): the contract refused the planned claim ${JSON.stringify(plan[i]!.claim)} by ${plan[i]!.node}`);
    }
    planned += plan.length;
  }
  console.log(`placement agreement: ${CASES} clusters, ${pairs} app×node checks, ${planned} planned claims accepted; reasons ${JSON.stringify(Object.fromEntries(reasons))} (seed ${SEED})`);
  for (const reason of ["None", "NotMember", "PinnedElsewhere", "MissingLabel", "AlreadyHoldsOne", "NoCpuLeft", "NoMemoryLeft", "HostPortTaken"]) expect(reasons.get(reason) ?? 0).toBeGreaterThan(0);
}, 120_000);
