// Gas per registry operation (deploy, register, update, evict vote) on a real anvil, at 3 and 10 members.
// Usage: bun bench/gas.ts            → prints a table, writes bench/out/gas.json
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { DeviceRegistry, signAdmission, type NodeInput } from "../lib/chain";
import { compileContracts } from "../scripts/compile-contracts";
import { startAnvil } from "../test/support/anvil";

await compileContracts();
const anvil = await startAnvil(["--accounts", "12"]);
const provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
const signers = await Promise.all(Array.from({ length: 11 }, (_, i) => provider.getSigner(i)));

const node = (i: number): NodeInput => ({
  name: `pi-${String(i).padStart(2, "0")}`,
  specs: { arch: "arm64", cpuCores: 4, cpuMHz: 1800, memoryMB: 3796, diskMB: 29_000 },
  labels: { zone: i % 2 ? "barn" : "field", board: "rpi4" },
  endpoints: [`http://10.0.0.${i + 1}:8545`],
});

async function measure(members: number) {
  const joinKey = Wallet.createRandom();
  const { registry, receipt: deploy } = await DeviceRegistry.deploy(signers[0]!, joinKey.address);
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

const results = [await measure(3), await measure(10)];
provider.destroy();
await anvil.stop();

console.log("gas per DeviceRegistry operation (anvil, paris, optimizer on)");
console.table(results);
mkdirSync(join(import.meta.dir, "out"), { recursive: true });
writeFileSync(join(import.meta.dir, "out", "gas.json"), JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
