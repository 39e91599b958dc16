// Operators and roles on a real anvil, attacked past every binding and CLI check: each forbidden change is sent as a
// raw transaction with its own gas limit (no estimate to stop it first), mined, and its revert reason replayed
// (test/support/attack.ts). Node keys change no app; viewers sign nothing that counts; any deployer or admin changes any
// app and the events name who; the last admin cannot go by any path; only admins give roles, never to a node key.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Interface, JsonRpcProvider, Wallet, ZeroAddress, type JsonRpcSigner } from "ethers";
import type { AppSpec } from "../../lib/apps/types";
import { AppRegistry, AppRegistryArtifact, DeviceRegistry, Operators, OperatorsArtifact, appIdOf, signAdmission, type NodeInput } from "../../lib/chain";
import { deployClusterContracts, type DeployedCluster } from "../../lib/cluster/deploy";
import { startAnvil, type Anvil } from "../support/anvil";
import { sendPastChecks } from "../support/attack";

const ADMIN = 10;
const DEPLOYER = 5;
const DEPLOYER_2 = 6;
const VIEWER = 7;
const NODES = [0, 1];

const SPEC: AppSpec = { image: "busybox", replicas: 2, ports: [], env: {}, cpuMilli: 0, memoryMB: 0, selector: {}, spread: false, everyNode: false, pin: null };
const node = (i: number): NodeInput => ({ name: `n${i}`, specs: { arch: "arm64", cpuCores: 4, cpuMHz: 1500, memoryMB: 4096, diskMB: 32_000 }, labels: {}, endpoints: [] });

let anvil: Anvil;
let provider: JsonRpcProvider;
let signers: JsonRpcSigner[];
let cluster: DeployedCluster;
const addr = (i: number) => signers[i]!.address;
const apps = (i: number) => new AppRegistry(cluster.apps.address, signers[i]!);
const operators = (i: number) => new Operators(cluster.operators.address, signers[i]!);
const appsIface = new Interface(AppRegistryArtifact.abi as never);
const operatorsIface = new Interface(OperatorsArtifact.abi as never);

/** `fn(args)` from signer `i` straight to the contract, past every check but the chain's: its revert, or "mined". */
function attack(i: number, contract: "apps" | "operators", fn: string, args: unknown[]): Promise<string> {
  const [to, iface] = contract === "apps" ? [cluster.apps.address, appsIface] : [cluster.operators.address, operatorsIface];
  return sendPastChecks(signers[i]!, to, iface.encodeFunctionData(fn, args), [appsIface, operatorsIface]);
}

async function freshCluster(): Promise<void> {
  const joinKey = Wallet.createRandom();
  cluster = await deployClusterContracts(signers[9]!, joinKey.address, addr(ADMIN), { livenessGraceSeconds: 60, solverBlocks: 3, eventBlocks: 10 });
  for (const i of NODES) await new DeviceRegistry(cluster.registry.address, signers[i]!).register(node(i), await signAdmission(joinKey, 31337n, cluster.registry.address, addr(i)));
}

beforeAll(async () => {
  anvil = await startAnvil(["--accounts", "12"]);
  provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  signers = await Promise.all(Array.from({ length: 12 }, (_, i) => provider.getSigner(i)));
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe("who may change apps", () => {
  beforeAll(async () => {
    await freshCluster();
    await operators(ADMIN).setRole(addr(DEPLOYER), "deployer");
    await operators(ADMIN).setRole(addr(DEPLOYER_2), "deployer");
    await operators(ADMIN).setRole(addr(VIEWER), "viewer");
  });

  test("the first admin is the key cluster create names; the others have the roles given", async () => {
    expect(await cluster.operators.list()).toEqual([
      { address: addr(ADMIN), role: "admin" },
      { address: addr(DEPLOYER), role: "deployer" },
      { address: addr(DEPLOYER_2), role: "deployer" },
      { address: addr(VIEWER), role: "viewer" },
    ]);
    expect(await cluster.operators.roleOf(addr(0))).toBeNull();
  });

  test("a node key cannot deploy, scale or remove: the contract refuses with NotOperator", async () => {
    expect(await attack(0, "apps", "deploy", ["rogue", { image: "x", replicas: 1, ports: [], env: [], cpuMilli: 0, memoryMB: 0, selector: [], spread: false, everyNode: false, pin: ZeroAddress }])).toBe(`NotOperator(${addr(0)})`);
    await apps(DEPLOYER).deploy("web", SPEC);
    expect(await attack(1, "apps", "scale", [appIdOf("web"), 5])).toBe(`NotOperator(${addr(1)})`);
    expect(await attack(1, "apps", "remove", [appIdOf("web")])).toBe(`NotOperator(${addr(1)})`);
    expect((await cluster.apps.snapshot()).map((a) => [a.name, a.spec.replicas])).toEqual([["web", 2]]);
  });

  test("a viewer's scale and remove are refused by the contract itself", async () => {
    expect(await attack(VIEWER, "apps", "scale", [appIdOf("web"), 0])).toBe(`NotOperator(${addr(VIEWER)})`);
    expect(await attack(VIEWER, "apps", "remove", [appIdOf("web")])).toBe(`NotOperator(${addr(VIEWER)})`);
    expect((await cluster.apps.snapshot()).map((a) => a.name)).toEqual(["web"]);
  });

  test("any deployer or admin changes any app, and every change's event names the operator", async () => {
    const scaled = await apps(DEPLOYER_2).scale("web", 3); // deployed by the other deployer
    expect((await cluster.apps.snapshot())[0]).toMatchObject({ name: "web", updatedBy: addr(DEPLOYER_2), spec: { replicas: 3 } });
    const redeployed = await apps(ADMIN).deploy("web", { ...SPEC, image: "busybox:2" });
    expect((await cluster.apps.snapshot())[0]).toMatchObject({ updatedBy: addr(ADMIN), version: 2 });
    const removed = await apps(DEPLOYER).remove("web");
    expect(await cluster.apps.snapshot()).toEqual([]);
    const logged = [scaled, redeployed, removed].map((r) => r.logs.map((l) => appsIface.parseLog(l)).find((p) => p && p.name.startsWith("App"))!);
    expect(logged.map((p) => [p.name, p.args.operator])).toEqual([["AppScaled", addr(DEPLOYER_2)], ["AppDeployed", addr(ADMIN)], ["AppRemoved", addr(DEPLOYER)]]);
  });
});

describe("who may manage operators", () => {
  beforeAll(freshCluster);

  test("the last admin cannot lose the role by any path: removeOperator, revokeRole, renounceRole, setRole", async () => {
    const ADMIN_ROLE = "0x" + "00".repeat(32); // AccessControl's DEFAULT_ADMIN_ROLE
    expect(await attack(ADMIN, "operators", "removeOperator", [addr(ADMIN)])).toBe("LastAdmin()");
    expect(await attack(ADMIN, "operators", "revokeRole", [ADMIN_ROLE, addr(ADMIN)])).toBe("LastAdmin()");
    expect(await attack(ADMIN, "operators", "renounceRole", [ADMIN_ROLE, addr(ADMIN)])).toBe("LastAdmin()");
    expect(await attack(ADMIN, "operators", "setRole", [addr(ADMIN), 2])).toBe("LastAdmin()"); // 2: Deployer
    expect(await cluster.operators.roleOf(addr(ADMIN))).toBe("admin");
    // With a second admin, the first may go.
    await operators(ADMIN).setRole(addr(DEPLOYER), "admin");
    await operators(DEPLOYER).remove(addr(ADMIN));
    expect(await cluster.operators.list()).toEqual([{ address: addr(DEPLOYER), role: "admin" }]);
    expect(await attack(DEPLOYER, "operators", "removeOperator", [addr(DEPLOYER)])).toBe("LastAdmin()");
  });

  test("only admins give roles, and never to a node key", async () => {
    const admin = DEPLOYER; // the admin since the test above
    await operators(admin).setRole(addr(DEPLOYER_2), "deployer");
    const DEPLOYER_ROLE = await provider.call({ to: cluster.operators.address, data: operatorsIface.encodeFunctionData("DEPLOYER_ROLE") });
    expect(await attack(DEPLOYER_2, "operators", "setRole", [addr(VIEWER), 3])).toBe(`AccessControlUnauthorizedAccount(${addr(DEPLOYER_2)}, ${"0x" + "00".repeat(32)})`);
    expect(await attack(DEPLOYER_2, "operators", "grantRole", [DEPLOYER_ROLE, addr(VIEWER)])).toBe(`AccessControlUnauthorizedAccount(${addr(DEPLOYER_2)}, ${"0x" + "00".repeat(32)})`);
    expect(await attack(admin, "operators", "setRole", [addr(0), 2])).toBe(`NodeKey(${addr(0)})`);
    expect(await attack(admin, "operators", "grantRole", [DEPLOYER_ROLE, addr(1)])).toBe(`NodeKey(${addr(1)})`);
    expect(await attack(admin, "operators", "setRole", [ZeroAddress, 2])).toBe("ZeroAddress()");
    expect(await cluster.operators.roleOf(addr(VIEWER))).toBeNull();
    expect(await cluster.operators.roleOf(addr(0))).toBeNull();
  });

  test("a role change replaces the old role: an operator holds one", async () => {
    await operators(DEPLOYER).setRole(addr(DEPLOYER_2), "viewer");
    expect(await cluster.operators.roleOf(addr(DEPLOYER_2))).toBe("viewer");
    expect(await attack(DEPLOYER_2, "apps", "deploy", ["late", { image: "x", replicas: 1, ports: [], env: [], cpuMilli: 0, memoryMB: 0, selector: [], spread: false, everyNode: false, pin: ZeroAddress }])).toBe(`NotOperator(${addr(DEPLOYER_2)})`);
    expect(await cluster.operators.list()).toEqual([{ address: addr(DEPLOYER), role: "admin" }, { address: addr(DEPLOYER_2), role: "viewer" }]);
  });
});
