// Outsiders write nothing: walks the ABI of every cluster contract and sends each state-changing function, from an
// account that is neither member nor operator, straight to the chain (test/support/attack.ts), with arguments a member
// could use in this state (a real app, a real replica, an open event, a real device). Each must revert with an access
// error itself, not with NoSuchApp or the like and not succeed as a no-op. A function added later is walked too; one
// whose arguments this test cannot make fails here until the table below learns them.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Interface, JsonRpcProvider, Wallet, ZeroAddress, hexlify, randomBytes, type FunctionFragment, type JsonRpcSigner, type ParamType } from "ethers";
import type { AppSpec } from "../../lib/apps/types";
import {
  AppRegistry, AppRegistryArtifact, DeviceDirectory, DeviceDirectoryArtifact, DeviceRegistry, DeviceRegistryArtifact, EventLogger, EventLoggerArtifact,
  Operators, OperatorsArtifact, ReputationArtifact, appIdOf, deviceKeyOf, signAdmission, type NodeInput,
} from "../../lib/chain";
import { deployClusterContracts, type DeployedCluster } from "../../lib/cluster/deploy";
import { startAnvil, type Anvil } from "../support/anvil";
import { sendPastChecks } from "../support/attack";

const [N0, N1, OUTSIDER, ADMIN] = [0, 1, 9, 10];
/** The errors that mean "you may not": membership, operator role, the cluster's own contracts, admission, AccessControl. */
const ACCESS_ERRORS = ["NotMember", "NotOperator", "OnlyEventLogger", "NotAllowed", "BadJoinSignature", "AccessControlUnauthorizedAccount"];

const SPEC: AppSpec = { image: "busybox", replicas: 2, ports: [], env: {}, cpuMilli: 0, memoryMB: 0, selector: {}, spread: true, everyNode: false, pin: null };
const node = (i: number): NodeInput => ({ name: `n${i}`, specs: { arch: "arm64", cpuCores: 4, cpuMHz: 1500, memoryMB: 4096, diskMB: 32_000 }, labels: { zone: "barn" }, endpoints: [] });
const WEB = appIdOf("web");
const DEVICE = "dev-1";

let anvil: Anvil;
let provider: JsonRpcProvider;
let signers: JsonRpcSigner[];
let cluster: DeployedCluster;
let joinKey: Wallet;
const addr = (i: number) => signers[i]!.address;

beforeAll(async () => {
  anvil = await startAnvil(["--accounts", "12"]);
  provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  signers = await Promise.all(Array.from({ length: 12 }, (_, i) => provider.getSigner(i)));
  joinKey = new Wallet(Wallet.createRandom().privateKey);
  cluster = await deployClusterContracts(signers[8]!, joinKey.address, addr(ADMIN), { livenessGraceSeconds: 60, solverBlocks: 3, eventBlocks: 1000 });
  for (const i of [N0, N1]) await new DeviceRegistry(cluster.registry.address, signers[i]!).register(node(i), await signAdmission(joinKey, 31337n, cluster.registry.address, addr(i)));
  // The state a member acts on: "web" with replica 0 on n0 and replica 1 pending; an open migration of replica 0 to
  // n1 (event 0); a device n0 added.
  await new AppRegistry(cluster.apps.address, signers[ADMIN]!).deploy("web", SPEC);
  await new AppRegistry(cluster.apps.address, signers[N0]!).claim(WEB, [0]);
  await new EventLogger(cluster.events.address, signers[N0]!).file(WEB, 0, addr(N1), "rule fired");
  await new DeviceDirectory(cluster.directory.address, signers[N0]!).add({ id: DEVICE, type: "sensor", labels: {}, credentialSalt: "0x" + "11".repeat(16), credentialHash: "0x" + "22".repeat(32) });
}, 60_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

/** An argument a member could pass now, by parameter name and type. */
async function argumentFor(fn: string, p: ParamType): Promise<unknown> {
  const chainSpec = { image: "busybox:2", replicas: 2, ports: [], env: [], cpuMilli: 0, memoryMB: 0, selector: [], spread: true, everyNode: false, pin: ZeroAddress };
  const byName: Record<string, () => unknown | Promise<unknown>> = {
    id: () => (p.type === "string" ? DEVICE : p.type === "uint256" ? 0n : WEB),
    app: () => WEB,
    name: () => (fn === "deploy" ? "web" : "n9"),
    replica: () => 0,
    replicas: () => (p.type === "uint32[]" ? [1] : 3),
    designated: () => addr(N1),
    from: () => addr(N0),
    to: () => addr(N1),
    node: () => addr(N1),
    target: () => addr(N1),
    who: () => addr(N1),
    account: () => addr(ADMIN),
    callerConfirmation: () => addr(OUTSIDER),
    role: () => (p.type === "uint8" ? 2 : "0x" + "00".repeat(32)),
    state: () => 2,
    version: () => 1n,
    reason: () => "",
    spec: () => chainSpec,
    specs: () => node(OUTSIDER).specs,
    labels: () => ["zone=barn"],
    endpoints: () => [],
    joinSignature: () => signAdmission(joinKey, 31337n, cluster.registry.address, addr(N1)), // a real one, for another node
    deviceType: () => "sensor",
    salt: () => hexlify(randomBytes(16)),
    credentialHash: () => hexlify(randomBytes(32)),
    desiredJson: () => '{"led":"on"}',
    deviceKeys: () => [deviceKeyOf(DEVICE)],
    roots: () => [hexlify(randomBytes(32))],
    counts: () => [1],
    apps_: () => cluster.apps.address,
    events_: () => cluster.events.address,
    reputation_: () => cluster.reputation.address,
    directory_: () => cluster.directory.address,
  };
  const make = byName[p.name];
  if (!make) throw new Error(`${fn}: no argument for parameter "${p.name}" (${p.type}); teach this test one`);
  return make();
}

const CONTRACTS = () => [
  { name: "DeviceRegistry", address: cluster.registry.address, abi: DeviceRegistryArtifact.abi },
  { name: "Operators", address: cluster.operators.address, abi: OperatorsArtifact.abi },
  { name: "AppRegistry", address: cluster.apps.address, abi: AppRegistryArtifact.abi },
  { name: "EventLogger", address: cluster.events.address, abi: EventLoggerArtifact.abi },
  { name: "Reputation", address: cluster.reputation.address, abi: ReputationArtifact.abi },
  { name: "DeviceDirectory", address: cluster.directory.address, abi: DeviceDirectoryArtifact.abi },
];

test("every state-changing function of every cluster contract, sent by an outsider with usable arguments, reverts with an access error", async () => {
  const ifaces = CONTRACTS().map((c) => new Interface(c.abi as never));
  const outcomes: Record<string, string> = {};
  for (const [i, c] of CONTRACTS().entries()) {
    const writes = ifaces[i]!.fragments.filter((f): f is FunctionFragment => f.type === "function" && !(f as FunctionFragment).constant);
    for (const fn of writes) {
      const args = await Promise.all(fn.inputs.map((p) => argumentFor(fn.name, p)));
      outcomes[`${c.name}.${fn.name}`] = await sendPastChecks(signers[OUTSIDER]!, c.address, ifaces[i]!.encodeFunctionData(fn, args), ifaces);
    }
  }
  const refusedOtherwise = Object.entries(outcomes).filter(([, outcome]) => !ACCESS_ERRORS.includes(outcome.replace(/\(.*$/, "")));
  expect(refusedOtherwise).toEqual([]);
  expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(30); // every contract's writes were walked
  // The state is as the members left it.
  expect((await cluster.apps.snapshot())[0]!.replicas.map((r) => r.node)).toEqual([addr(N0), null]);
  expect((await cluster.events.range(0, 1))[0]!.phase).toBe("open");
  expect(await new Operators(cluster.operators.address, provider).list()).toEqual([{ address: addr(ADMIN), role: "admin" }]);
});

test("members are refused empty no-op calls: a claim of no replicas, a roots record of no devices", async () => {
  const ifaces = CONTRACTS().map((c) => new Interface(c.abi as never));
  const apps = new Interface(AppRegistryArtifact.abi as never);
  const directory = new Interface(DeviceDirectoryArtifact.abi as never);
  expect(await sendPastChecks(signers[N1]!, cluster.apps.address, apps.encodeFunctionData("claim", [WEB, []]), ifaces)).toBe("NothingToClaim()");
  expect(await sendPastChecks(signers[N1]!, cluster.directory.address, directory.encodeFunctionData("recordRoots", [[], [], []]), ifaces)).toBe("LengthMismatch()");
  const operators = new Interface(OperatorsArtifact.abi as never);
  expect(await sendPastChecks(signers[ADMIN]!, cluster.operators.address, operators.encodeFunctionData("setRole", [addr(ADMIN), 3]), ifaces)).toBe("SameRole()");
  expect(await sendPastChecks(signers[ADMIN]!, cluster.operators.address, operators.encodeFunctionData("removeOperator", [addr(OUTSIDER)]), ifaces)).toBe("NoRole()");
});
