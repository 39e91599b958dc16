// EventLogger (DEL) and Reputation (DRS) rules on a real anvil: who may file and confirm a migration, the designated
// solver's window, one open event per replica, expiry, lost-node rescue, outcomes and the recent average credit;
// and the public solver ranking every agent computes (rankSolvers).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Contract, Interface, JsonRpcProvider, Wallet, type JsonRpcSigner, type TransactionRequest } from "ethers";
import type { AppSpec } from "../lib/apps/types";
import { AppRegistry, AppRegistryArtifact, DeviceRegistry, DeviceRegistryArtifact, EventLogger, EventLoggerArtifact, ReputationArtifact, appIdOf, signAdmission, type Migration, type NodeInput, type ReputationRecord } from "../lib/chain";
import { deployClusterContracts, type DeployedCluster } from "../lib/cluster/deploy";
import { startAnvil, type Anvil } from "./support/anvil";

const PARAMS = { livenessGraceSeconds: 10, solverBlocks: 3, eventBlocks: 8 };
const FAILED_AFTER_MIGRATION_BLOCKS = 30;
const WEEK = 604_800;
const OUTSIDER = 9; // an unlocked account that never registers

/**
 * Adds 10 % to every gas estimate. These contracts' gas depends on block.timestamp: rewriting a member's `lastSeen`
 * (heartbeat, file, confirm) or its reputation record in the same second is a 100-gas no-op, in a later second 2.9 k.
 * anvil estimates at the wall-clock second, so the bindings' exact estimates run out of gas whenever a second boundary
 * falls between estimating and mining (≈5 % of back-to-back workflow transactions). That is a binding issue, not a
 * contract rule: the agents' key gets a margin from lib/chain/signer.ts (connectSigner), these unlocked anvil
 * signers get one here.
 */
class MarginProvider extends JsonRpcProvider {
  override async estimateGas(tx: TransactionRequest): Promise<bigint> {
    const gas = await super.estimateGas(tx);
    return gas + gas / 10n;
  }
}

let anvil: Anvil;
let provider: JsonRpcProvider;
let signers: JsonRpcSigner[];
const addr = (i: number) => signers[i]!.address;
/** The signer that is the cluster's admin operator (never a member in these tests). */
const OPERATOR = 11;

const node = (i: number): NodeInput => ({
  name: `n${i}`,
  specs: { arch: "arm64", cpuCores: 4, cpuMHz: 1800, memoryMB: 4096, diskMB: 32_000 },
  labels: { zone: "barn" },
  endpoints: [`http://10.0.0.${i + 1}:8545`],
});

const WEB: AppSpec = {
  image: "nginx:alpine", replicas: 2, ports: [{ host: 8080, container: 80, protocol: "tcp" }], env: {},
  cpuMilli: 500, memoryMB: 256, selector: { zone: "barn" }, spread: true, everyNode: false, pin: null,
};
const WEB_ID = appIdOf("web");

const mine = async (blocks = 1) => {
  for (let i = 0; i < blocks; i++) await provider.send("evm_mine", []);
};
/** Mines empty blocks until the head is at least `block` (the next transaction then lands in block + 1). */
const mineTo = async (block: number) => mine(Math.max(0, block - (await provider.getBlockNumber())));
const passTime = (seconds: number) => provider.send("evm_increaseTime", [seconds]);

type Cluster = DeployedCluster & {
  dev(i: number): DeviceRegistry;
  app(i: number): AppRegistry;
  ev(i: number): EventLogger;
  beat(...nodes: number[]): Promise<void>;
  record(i: number): Promise<ReputationRecord>;
  event(id: number): Promise<Migration>;
  holder(replica: number, blockTag?: number): Promise<string | null>;
};

/** A fresh cluster: `members` registered nodes n0…, the app "web" (2 replicas) with n0 holding 0 and n1 holding 1. */
async function newCluster(members: number, spec: Partial<AppSpec> = {}): Promise<Cluster> {
  const joinKey = Wallet.createRandom();
  const deployed = await deployClusterContracts(signers[0]!, joinKey.address, addr(OPERATOR), PARAMS);
  const dev = (i: number) => new DeviceRegistry(deployed.registry.address, signers[i]!);
  const app = (i: number) => new AppRegistry(deployed.apps.address, signers[i]!);
  const ev = (i: number) => new EventLogger(deployed.events.address, signers[i]!);
  for (let i = 0; i < members; i++) await dev(i).register(node(i), await signAdmission(joinKey, 31337n, deployed.registry.address, addr(i)));
  await app(OPERATOR).deploy("web", { ...WEB, ...spec }); // the admin operator, not a node
  await app(0).claim(WEB_ID, [0]);
  await app(1).claim(WEB_ID, [1]);
  return {
    ...deployed, dev, app, ev,
    async beat(...nodes) {
      for (const i of nodes) await dev(i).heartbeat();
    },
    async record(i) {
      return deployed.reputation.record(addr(i));
    },
    async event(id) {
      return (await deployed.events.range(id, 1))[0]!;
    },
    async holder(replica, blockTag) {
      return (await deployed.apps.snapshot(blockTag)).find((a) => a.id === WEB_ID)!.replicas[replica]!.node;
    },
  };
}

/** The AppRegistry custom error a confirmation by signer `i` reverts with, decoded from the raw revert data. */
async function appRevertOfConfirm(c: Cluster, i: number, id: number): Promise<string> {
  const logger = new Contract(c.events.address, EventLoggerArtifact.abi, signers[i]!);
  try {
    await logger.getFunction("confirm").staticCall(id, { blockTag: "pending" }); // as the next block would run it
  } catch (err) {
    const parsed = new Interface(AppRegistryArtifact.abi).parseError((err as { data: string }).data);
    return parsed ? `${parsed.name}(${[...parsed.args].join(", ")})` : "not an AppRegistry error";
  }
  return "no revert";
}

beforeAll(async () => {
  anvil = await startAnvil(["--accounts", "12"]);
  provider = new MarginProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  signers = await Promise.all(Array.from({ length: 12 }, (_, i) => provider.getSigner(i)));
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe("filing a migration", () => {
  test("only the replica's node files; the designated solver must be alive, eligible and not the applicant", async () => {
    const c = await newCluster(4);
    // Not the replica's node: another member; an outsider is refused as one before anything else.
    await expect(c.ev(1).file(WEB_ID, 0, addr(2), "cpu high")).rejects.toThrow("the replica is not assigned to this node");
    await expect(c.ev(OUTSIDER).file(WEB_ID, 0, addr(2), "cpu high")).rejects.toThrow("filing a migration of replica 0 failed: this node is not a member");
    // The applicant itself, a node already holding one under spread, a non-member.
    await expect(c.ev(0).file(WEB_ID, 0, addr(0), "cpu high")).rejects.toThrow(`${addr(0)} cannot take the replica`);
    await expect(c.ev(0).file(WEB_ID, 0, addr(1), "cpu high")).rejects.toThrow(`${addr(1)} cannot take the replica`);
    await expect(c.ev(0).file(WEB_ID, 0, addr(OUTSIDER), "cpu high")).rejects.toThrow(`${addr(OUTSIDER)} cannot take the replica`);
    // n3 stops showing signs of life; the others send heartbeats.
    await passTime(PARAMS.livenessGraceSeconds + 1);
    await c.beat(0, 1, 2);
    await expect(c.ev(0).file(WEB_ID, 0, addr(3), "cpu high")).rejects.toThrow(`${addr(3)} cannot take the replica`);
    expect(await c.events.count()).toBe(0);

    const receipt = await c.ev(0).file(WEB_ID, 0, addr(2), "rule cpu-high: cpu > 80%");
    const e = await c.event(0);
    expect(e).toMatchObject({
      id: 0, appId: WEB_ID, replica: 0, kind: "overload", phase: "open", from: addr(0), filer: addr(0), designated: addr(2), solver: null,
      filedAt: receipt.blockNumber, designatedUntil: receipt.blockNumber + PARAMS.solverBlocks, deadline: receipt.blockNumber + PARAMS.eventBlocks,
      closedAt: null, reason: "rule cpu-high: cpu > 80%",
    });
    expect(await c.holder(0)).toBe(addr(0)); // filing moves nothing
  });

  test("one open event per replica; past its deadline it expires (the designated times out) and a new one can be filed", async () => {
    const c = await newCluster(4);
    const filed = await c.ev(0).file(WEB_ID, 0, addr(2), "first");
    await expect(c.ev(0).file(WEB_ID, 0, addr(3), "again")).rejects.toThrow("migration 0 is already open for this replica");
    await expect(c.ev(2).expire(0)).rejects.toThrow("migration 0 is not open"); // not past its deadline yet
    // The other replica is independent.
    await c.ev(1).file(WEB_ID, 1, addr(3), "other replica");

    await mineTo(filed.blockNumber + PARAMS.eventBlocks - 1); // the next transaction lands on the deadline: still open
    await expect(c.ev(0).file(WEB_ID, 0, addr(3), "again")).rejects.toThrow("migration 0 is already open");
    await expect(c.ev(2).expire(0)).rejects.toThrow("migration 0 is not open");
    await mine(); // from now on transactions land after the deadline
    await expect(c.ev(2).confirm(0)).rejects.toThrow("migration 0 has expired");
    const expired = await c.ev(3).expire(0); // anyone may close it
    expect(await c.event(0)).toMatchObject({ phase: "expired", solver: null, closedAt: expired.blockNumber });
    expect(await c.record(2)).toMatchObject({ confirmed: 0, timedOut: 1, rac: 2.5 });
    await expect(c.ev(3).expire(0)).rejects.toThrow("migration 0 is not open");
    await expect(c.ev(2).confirm(0)).rejects.toThrow("migration 0 is not open");
    expect(await c.holder(0)).toBe(addr(0));

    // A new filing for the same replica is accepted.
    await c.beat(3);
    const again = await c.ev(0).file(WEB_ID, 0, addr(3), "second");
    expect(await c.event(2)).toMatchObject({ phase: "open", replica: 0, designated: addr(3), filedAt: again.blockNumber });

    // Past its deadline and not yet expired: a confirmation is refused as expired, and a new filing closes it itself.
    await mineTo(again.blockNumber + PARAMS.eventBlocks);
    await expect(c.ev(3).confirm(2)).rejects.toThrow("migration 2 has expired");
    await c.beat(2);
    await c.ev(0).file(WEB_ID, 0, addr(2), "third");
    expect((await c.event(2)).phase).toBe("expired");
    expect(await c.record(3)).toMatchObject({ timedOut: 1 });
    expect(await c.event(3)).toMatchObject({ phase: "open", designated: addr(2) });
  });
});

describe("confirming a migration", () => {
  test("the designated solver confirms in its window: the replica moves, it gets a confirmed outcome, nobody times out", async () => {
    const c = await newCluster(4);
    await c.ev(0).file(WEB_ID, 0, addr(2), "cpu high");
    const receipt = await c.ev(2).confirm(0);
    expect(await c.event(0)).toMatchObject({ phase: "resolved", solver: addr(2), closedAt: receipt.blockNumber });
    expect(await c.holder(0)).toBe(addr(2));
    expect(await c.record(2)).toMatchObject({ confirmed: 1, timedOut: 0, rac: 7.5 });
    for (const i of [0, 1, 3]) expect(await c.record(i)).toMatchObject({ confirmed: 0, timedOut: 0, failedAfterMigration: 0, evictions: 0, rac: 5, racAt: 0 });
    const resolved = c.events.abiInterface.parseLog(receipt.logs.find((l) => l.address === c.events.address && c.events.abiInterface.parseLog(l)?.name === "MigrationResolved")!)!;
    expect(resolved.args.designatedTimedOut).toBe(false);
  });

  test("only the designated solver until designatedUntil; then another eligible member, which moves the replica in the same transaction", async () => {
    const c = await newCluster(4);
    const usage0 = await c.apps.usage(addr(0));
    expect(usage0).toEqual({ cpuMilli: WEB.cpuMilli, memoryMB: WEB.memoryMB });
    const filed = await c.ev(0).file(WEB_ID, 0, addr(2), "cpu high");
    const { designatedUntil } = await c.event(0);

    // Within the designated window, nobody else.
    await expect(c.ev(3).confirm(0)).rejects.toThrow(`only the designated solver may confirm until block ${designatedUntil}`);
    await expect(c.ev(0).confirm(0)).rejects.toThrow(`only the designated solver may confirm until block ${designatedUntil}`);
    await mineTo(designatedUntil - 1); // the next transaction lands on designatedUntil: still the designated's turn
    await expect(c.ev(3).confirm(0)).rejects.toThrow("only the designated solver may confirm");

    await mineTo(designatedUntil);
    // After it: not the applicant, not a node the AppRegistry finds ineligible (n1 holds one under spread), not an outsider.
    await expect(c.ev(0).confirm(0)).rejects.toThrow("the applicant cannot solve its own migration");
    await expect(c.ev(1).confirm(0)).rejects.toThrow("confirming migration 0 failed");
    await expect(c.ev(OUTSIDER).confirm(0)).rejects.toThrow("confirming migration 0 failed: this node is not a member"); // the EventLogger's own check
    // The member's refusal is the AppRegistry's, bubbled up through move(): NotEligible(4: holds one under spread).
    expect(await appRevertOfConfirm(c, 1, 0)).toBe("NotEligible(4)");
    expect((await c.event(0)).phase).toBe("open");

    const receipt = await c.ev(3).confirm(0);
    expect(receipt.blockNumber).toBeGreaterThan(designatedUntil);
    expect(await c.event(0)).toMatchObject({ phase: "resolved", solver: addr(3), designated: addr(2), closedAt: receipt.blockNumber });
    expect(await c.record(2)).toMatchObject({ confirmed: 0, timedOut: 1, rac: 2.5 });
    expect(await c.record(3)).toMatchObject({ confirmed: 1, timedOut: 0, rac: 7.5 });
    const resolved = receipt.logs.filter((l) => l.address === c.events.address).map((l) => c.events.abiInterface.parseLog(l)).find((l) => l?.name === "MigrationResolved")!;
    expect(resolved.args.designatedTimedOut).toBe(true);

    // The move happened inside the confirmation: released from n0 and assigned to n3 in the same receipt, and the
    // replica is on n0 in the block before and on n3 from it on — never unassigned at any block since the filing.
    const appsIface = new Interface(AppRegistryArtifact.abi);
    const appLogs = receipt.logs.filter((l) => l.address === c.apps.address).map((l) => appsIface.parseLog(l)!);
    expect(appLogs.map((l) => l.name)).toEqual(["ReplicaReleased", "ReplicaAssigned", "ReplicaMoved"]);
    expect(appLogs[0]!.args.node).toBe(addr(0));
    expect(appLogs[1]!.args.node).toBe(addr(3));
    for (let b = filed.blockNumber; b < receipt.blockNumber; b++) expect(await c.holder(0, b)).toBe(addr(0));
    expect(await c.holder(0, receipt.blockNumber)).toBe(addr(3));
    expect(await c.holder(0)).toBe(addr(3));

    // Resources follow the replica.
    expect(await c.apps.usage(addr(0))).toEqual({ cpuMilli: 0, memoryMB: 0 });
    expect(await c.apps.usage(addr(3))).toEqual({ cpuMilli: WEB.cpuMilli, memoryMB: WEB.memoryMB });
    // n0 may now take it again (its port and resources are free); the resolved event cannot be confirmed twice.
    await expect(c.ev(2).confirm(0)).rejects.toThrow("migration 0 is not open");
  });
});

describe("lost nodes", () => {
  test("fileLost is refused while the node is alive, accepted by a member once it is silent past the grace", async () => {
    const c = await newCluster(4);
    await c.beat(0, 1, 2, 3);
    await expect(c.ev(2).fileLost(WEB_ID, 0, addr(2))).rejects.toThrow(`${addr(0)} is still alive`);
    await expect(c.ev(2).fileLost(WEB_ID, 7, addr(2))).rejects.toThrow("the replica is not assigned to any node");

    await passTime(PARAMS.livenessGraceSeconds - 6);
    await mine();
    await expect(c.ev(2).fileLost(WEB_ID, 0, addr(2))).rejects.toThrow(`${addr(0)} is still alive`); // within the grace

    await passTime(7); // past the grace: n0 is silent, the others beat
    await c.beat(1, 2, 3);
    await expect(c.ev(OUTSIDER).fileLost(WEB_ID, 0, addr(2))).rejects.toThrow("this node is not a member");
    await expect(c.ev(2).fileLost(WEB_ID, 1, addr(2))).rejects.toThrow(`${addr(1)} is still alive`); // n1 beat
    await expect(c.ev(2).fileLost(WEB_ID, 0, addr(1))).rejects.toThrow(`${addr(1)} cannot take the replica`); // spread

    const filed = await c.ev(2).fileLost(WEB_ID, 0, addr(3));
    expect(await c.event(0)).toMatchObject({ kind: "node-lost", phase: "open", from: addr(0), filer: addr(2), designated: addr(3), reason: "node lost", filedAt: filed.blockNumber });
    await expect(c.ev(3).fileLost(WEB_ID, 0, addr(3))).rejects.toThrow("migration 0 is already open");
    await c.ev(3).confirm(0);
    expect(await c.holder(0)).toBe(addr(3));
    expect(await c.record(3)).toMatchObject({ confirmed: 1, timedOut: 0 });
    expect(await c.record(0)).toMatchObject({ confirmed: 0, timedOut: 0, rac: 5 }); // the lost node gets no outcome here
    expect(await c.apps.usage(addr(0))).toEqual({ cpuMilli: 0, memoryMB: 0 });
  });

  test("a heartbeat brings a silent node back to life", async () => {
    const c = await newCluster(3);
    const devices = new Contract(c.registry.address, DeviceRegistryArtifact.abi, provider);
    expect(await devices.getFunction("isAlive")(addr(0))).toBe(true); // registering is a sign of life
    await passTime(PARAMS.livenessGraceSeconds + 1);
    await c.beat(1, 2);
    expect(await devices.getFunction("isAlive")(addr(0))).toBe(false);
    expect(await devices.getFunction("isAlive")(addr(OUTSIDER))).toBe(false);
    await c.beat(0);
    expect(await devices.getFunction("isAlive")(addr(0))).toBe(true);
    expect(Number(await devices.getFunction("heartbeats")(addr(0)))).toBe(1);
    await expect(c.ev(2).fileLost(WEB_ID, 0, addr(2))).rejects.toThrow(`${addr(0)} is still alive`);
    await expect(c.dev(OUTSIDER).heartbeat()).rejects.toThrow("is not a member");
  });
});

describe("outcomes recorded elsewhere", () => {
  test("a failed report from the new node within FAILED_AFTER_MIGRATION_BLOCKS of the move counts once; after the window it does not", async () => {
    const c = await newCluster(4);
    await c.ev(0).file(WEB_ID, 0, addr(2), "cpu high");
    const moved = await c.ev(2).confirm(0);
    await c.app(2).report(WEB_ID, 0, "running", 1, ""); // running is no failure
    expect(await c.record(2)).toMatchObject({ failedAfterMigration: 0 });
    await mineTo(moved.blockNumber + FAILED_AFTER_MIGRATION_BLOCKS - 1);
    const failed = await c.app(2).report(WEB_ID, 0, "failed", 1, "exited with code 1");
    expect(failed.blockNumber).toBe(moved.blockNumber + FAILED_AFTER_MIGRATION_BLOCKS); // the last block of the window
    const afterFailure = await c.record(2);
    expect(afterFailure).toMatchObject({ confirmed: 1, failedAfterMigration: 1 });
    // As documented, an outcome weighs 1 − d(t) by the time since the previous one, but at least a tenth: seconds
    // after the confirmation the failure still pulls the RAC from 7.5 to 7.5·0.9 = 6.75.
    expect(afterFailure.rac).toBeCloseTo(6.75, 3);
    await c.app(2).report(WEB_ID, 0, "failed", 1, "exited with code 1");
    expect((await c.record(2)).failedAfterMigration).toBe(1); // counted once

    await c.beat(3);
    await c.ev(1).file(WEB_ID, 1, addr(3), "memory high");
    const moved2 = await c.ev(3).confirm(1);
    await mineTo(moved2.blockNumber + FAILED_AFTER_MIGRATION_BLOCKS);
    const late = await c.app(3).report(WEB_ID, 1, "failed", 1, "exited with code 1");
    expect(late.blockNumber).toBe(moved2.blockNumber + FAILED_AFTER_MIGRATION_BLOCKS + 1);
    expect(await c.record(3)).toMatchObject({ confirmed: 1, failedAfterMigration: 0, rac: 7.5 });
  });

  test("a failed report on a replica that was claimed, not migrated, records nothing", async () => {
    const c = await newCluster(3);
    await c.app(1).report(WEB_ID, 1, "failed", 1, "image missing");
    expect(await c.record(1)).toMatchObject({ failedAfterMigration: 0, racAt: 0, rac: 5 });
  });

  test("an eviction by a majority records an eviction in Reputation", async () => {
    const c = await newCluster(3);
    expect(await c.registry.evictionQuorum()).toBe(2);
    await c.dev(0).voteEvict(addr(2));
    expect(await c.record(2)).toMatchObject({ evictions: 0, racAt: 0 });
    await c.dev(1).voteEvict(addr(2));
    expect(await c.registry.isMember(addr(2))).toBe(false);
    expect(await c.record(2)).toMatchObject({ evictions: 1, confirmed: 0, timedOut: 0, rac: 2.5 });
    expect(await c.record(0)).toMatchObject({ evictions: 0, rac: 5 });
  });

  test("outcomes are recorded only by the cluster's contracts", async () => {
    const c = await newCluster(2);
    const rep = new Contract(c.reputation.address, ReputationArtifact.abi, signers[0]!);
    // The revert data is the contract's own custom error, so a call failing for another reason (no code at that
    // address, out of gas, a different check) does not pass.
    for (const fn of ["recordConfirmed", "recordTimedOut", "recordFailedAfterMigration", "recordEviction"]) {
      await expect(rep.getFunction(fn)(addr(1))).rejects.toMatchObject({ code: "CALL_EXCEPTION", data: rep.interface.encodeErrorResult("NotAllowed", []) });
    }
    const apps = new Contract(c.apps.address, AppRegistryArtifact.abi, signers[0]!);
    await expect(apps.getFunction("move")(WEB_ID, 0, addr(0), addr(1))).rejects.toMatchObject({ code: "CALL_EXCEPTION", data: apps.interface.encodeErrorResult("OnlyEventLogger", []) });
    expect(await c.record(1)).toMatchObject({ confirmed: 0, timedOut: 0, failedAfterMigration: 0, evictions: 0, racAt: 0 });
    expect(await c.holder(0)).toBe(addr(0));
  });
});

describe("recent average credit", () => {
  test("the first outcome weighs half against the neutral 5; a success one week later weighs half again", async () => {
    const c = await newCluster(4, { spread: false, ports: [] });
    // First outcomes: a success 5 → 7.5, a timeout 5 → 2.5.
    await c.ev(0).file(WEB_ID, 0, addr(2), "cpu high");
    await c.ev(2).confirm(0);
    const first = await c.record(2);
    expect(first).toMatchObject({ confirmed: 1, rac: 7.5 });

    await passTime(WEEK);
    await c.beat(1, 2, 3);
    await c.ev(1).file(WEB_ID, 1, addr(2), "cpu high");
    await c.ev(2).confirm(1);
    const second = await c.record(2);
    expect(second.confirmed).toBe(2);
    const dt = second.racAt - first.racAt;
    expect(dt).toBeGreaterThanOrEqual(WEEK);
    expect(dt).toBeLessThan(WEEK + 60);
    const d = 2 ** (-dt / WEEK);
    expect(second.rac).toBeCloseTo(7.5 * d + 10 * (1 - d), 4);
    expect(second.rac).toBeCloseTo(8.75, 3); // 7.5·½ + 10·½

    // n2 now holds both; it files one to n3, which lets its turn pass; n0 solves.
    await c.ev(2).file(WEB_ID, 0, addr(3), "memory high");
    await mineTo((await c.event(2)).designatedUntil);
    await c.ev(0).confirm(2);
    expect(await c.record(3)).toMatchObject({ timedOut: 1, rac: 2.5 });
    expect(await c.record(0)).toMatchObject({ confirmed: 1, rac: 7.5 });
  });

  test("decay(t) follows 2^(−t / one week) ×1e6 within 0.3 %", async () => {
    const c = await newCluster(2);
    const rep = new Contract(c.reputation.address, ReputationArtifact.abi, provider);
    for (const t of [0, 3600, 86_400, 302_400, WEEK, 3 * WEEK, 1, WEEK - 1, 10 * WEEK + 12_345]) {
      const got = Number(await rep.getFunction("decay")(t));
      const want = 2 ** (-t / WEEK) * 1e6;
      expect(Math.abs(got - want) / want).toBeLessThan(0.003);
    }
    expect(Number(await rep.getFunction("decay")(0))).toBe(1e6);
    expect(Number(await rep.getFunction("decay")(WEEK))).toBe(5e5);
    expect(Number(await rep.getFunction("decay")(40 * WEEK))).toBe(0);
  });
});
