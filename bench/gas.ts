// Gas per registry operation on a real anvil: DeviceRegistry (deploy, register, update, evict vote) at 3 and 10
// members, and AppRegistry (deploy an app, claim, report, scale, remove) for a 3-replica app.
// Usage: bun bench/gas.ts            → prints a table, writes bench/out/gas.json
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { AppRegistry, DeviceRegistry, appIdOf, signAdmission, type NodeInput } from "../lib/chain";
import { deployClusterContracts } from "../lib/cluster/deploy";
import type { AppSpec } from "../lib/apps/types";
import { compileContracts } from "../scripts/compile-contracts";
import { startAnvil } from "../test/support/anvil";

await compileContracts();
const anvil = await startAnvil(["--accounts", "12"]);
const provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
const signers = await Promise.all(Array.from({ length: 12 }, (_, i) => provider.getSigner(i)));

const node = (i: number): NodeInput => ({
  name: `pi-${String(i).padStart(2, "0")}`,
  specs: { arch: "arm64", cpuCores: 4, cpuMHz: 1800, memoryMB: 3796, diskMB: 29_000 },
  labels: { zone: i % 2 ? "barn" : "field", board: "rpi4" },
  endpoints: [`http://10.0.0.${i + 1}:8545`],
});

async function measure(members: number) {
  const joinKey = Wallet.createRandom();
  const { registry, receipt: deploy } = await DeviceRegistry.deploy(signers[0]!, joinKey.address, 10);
  const as = (i: number) => new DeviceRegistry(registry.address, signers[i]!);
  const register: bigint[] = [];
  for (let i = 0; i < members; i++) {
    const sig = await signAdmission(joinKey, 31337n, registry.address, signers[i]!.address);
    register.push((await as(i).register(node(i), sig)).gasUsed);
  }
  const update = (await as(1).update({ ...node(1), labels: { zone: "barn", board: "rpi4", gpu: "none" } })).gasUsed;
  // Evict the last member: votes from the first members until the majority is reached.
  const target = signers[members - 1]!.address;
  const quorum = await registry.evictionQuorum();
  const votes: bigint[] = [];
  for (let i = 0; i < quorum; i++) votes.push((await as(i).voteEvict(target)).gasUsed);
  return {
    members,
    deploy: Number(deploy.gasUsed),
    registerFirst: Number(register[0]),
    registerMedian: Number(register.sort((a, b) => Number(a - b))[Math.floor(register.length / 2)]),
    update: Number(update),
    evictVoteFirst: Number(votes[0]),
    evictVoteDeciding: Number(votes.at(-1)),
    evictTotal: Number(votes.reduce((a, b) => a + b, 0n)),
    evictVotesNeeded: quorum,
  };
}

async function measureApps() {
  const joinKey = Wallet.createRandom();
  const operator = signers[11]!; // the admin operator: a key of its own, not a node's
  const { registry, apps, gas: deployAll } = await deployClusterContracts(signers[0]!, joinKey.address, operator.address, { livenessGraceSeconds: 10, solverBlocks: 10, eventBlocks: 60 });
  for (let i = 0; i < 3; i++) {
    await new DeviceRegistry(registry.address, signers[i]!).register(node(i), await signAdmission(joinKey, 31337n, registry.address, signers[i]!.address));
  }
  const as = (i: number) => new AppRegistry(apps.address, signers[i]!);
  const op = new AppRegistry(apps.address, operator);
  const spec: AppSpec = {
    image: "nginx:alpine", replicas: 3, ports: [{ host: 8080, container: 80, protocol: "tcp" }], env: { MODE: "prod" },
    cpuMilli: 250, memoryMB: 128, selector: { board: "rpi4" }, spread: true, everyNode: false, pin: null,
  };
  const id = appIdOf("web");
  const deploy = await op.deploy("web", spec);
  const claims = [await as(0).claim(id, [0]), await as(1).claim(id, [1]), await as(2).claim(id, [2])];
  const reportRunning = await as(1).report(id, 1, "running", 1, "");
  const reportFailed = await as(2).report(id, 2, "failed", 1, "image nginx:alpine not found locally and could not be pulled");
  const scaleUp = await op.scale("web", 5);
  const scaleDown = await op.scale("web", 2);
  const redeploy = await op.deploy("web", { ...spec, image: "nginx:1.27-alpine" });
  const remove = await op.remove("web");
  return {
    deployAllContracts: Number(deployAll),
    deployApp3Replicas: Number(deploy.gasUsed),
    claimOneReplica: Number(claims[1]!.gasUsed),
    reportRunning: Number(reportRunning.gasUsed),
    reportFailedWithReason: Number(reportFailed.gasUsed),
    scale3to5: Number(scaleUp.gasUsed),
    scale5to2: Number(scaleDown.gasUsed),
    updateImage: Number(redeploy.gasUsed),
    removeApp: Number(remove.gasUsed),
    deployToAllServingTotal: Number(deploy.gasUsed + claims.reduce((a, c) => a + c.gasUsed, 0n) + 3n * reportRunning.gasUsed),
  };
}

const results = [await measure(3), await measure(10)];
const appResults = await measureApps();
provider.destroy();
await anvil.stop();

console.log("gas per DeviceRegistry operation (anvil, paris, optimizer on)");
console.table(results);
console.log("gas per AppRegistry operation (3 members, 3-replica app with a port, env, selector, CPU and memory)");
console.table(appResults);
mkdirSync(join(import.meta.dir, "out"), { recursive: true });
writeFileSync(join(import.meta.dir, "out", "gas.json"), JSON.stringify({ date: new Date().toISOString(), deviceRegistry: results, appRegistry: appResults }, null, 2));
