// DeviceRegistry rules on a real anvil: admission bound to the joining address, own-record-only updates, majority eviction.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { JsonRpcProvider, Wallet, type HDNodeWallet, type JsonRpcSigner } from "ethers";
import { DeviceRegistry, signAdmission, type NodeInput } from "../lib/chain";
import { startAnvil, type Anvil } from "./support/anvil";

let anvil: Anvil;
let provider: JsonRpcProvider;
let signers: JsonRpcSigner[];
let joinKey: HDNodeWallet;
let registryAddress: string;

const node = (name: string, labels: Record<string, string> = {}): NodeInput => ({
  name,
  specs: { arch: "arm64", cpuCores: 4, cpuMHz: 1800, memoryMB: 4096, diskMB: 32_000 },
  labels,
  endpoints: [`http://${name}:8545`],
});
const as = (i: number) => new DeviceRegistry(registryAddress, signers[i]!);
const admit = async (i: number, name: string) => as(i).register(node(name), await signAdmission(joinKey, 31337n, registryAddress, signers[i]!.address));

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  signers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => provider.getSigner(i)));
  joinKey = Wallet.createRandom();
  registryAddress = (await DeviceRegistry.deploy(signers[0]!, joinKey.address, 10)).registry.address;
  for (const [i, name] of ["n0", "n1", "n2", "n3"].entries()) await admit(i, name);
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe("admission", () => {
  test("a signature made for another address does not admit the sender", async () => {
    const forSomeoneElse = await signAdmission(joinKey, 31337n, registryAddress, signers[0]!.address);
    await expect(as(4).register(node("n4"), forSomeoneElse)).rejects.toThrow("join token's secret is not this cluster's");
    expect(await as(0).isMember(signers[4]!.address)).toBe(false);
  });

  test("a signature from a key that is not the join authority is refused", async () => {
    const impostor = await signAdmission(Wallet.createRandom(), 31337n, registryAddress, signers[4]!.address);
    await expect(as(4).register(node("n4"), impostor)).rejects.toThrow("admission refused");
  });

  test("names are unique among members", async () => {
    const sig = await signAdmission(joinKey, 31337n, registryAddress, signers[4]!.address);
    await expect(as(4).register(node("n1"), sig)).rejects.toThrow('already named "n1"');
  });
});

describe("own record only", () => {
  test("update changes the sender's record and no other", async () => {
    const before = await as(0).nodes();
    await as(1).update({ ...node("n1-renamed", { zone: "barn" }), endpoints: ["http://10.1.1.1:8545"] });
    const after = await as(0).nodes();
    const n1 = after.find((n) => n.address === signers[1]!.address)!;
    expect(n1.name).toBe("n1-renamed");
    expect(n1.labels).toEqual({ zone: "barn" });
    expect(after.filter((n) => n.address !== signers[1]!.address)).toEqual(before.filter((n) => n.address !== signers[1]!.address));
  });

  test("a non-member cannot update or vote", async () => {
    await expect(as(5).update(node("intruder"))).rejects.toThrow("is not a member");
    await expect(as(5).voteEvict(signers[0]!.address)).rejects.toThrow("is not a member");
  });
});

describe("eviction by majority of the other members", () => {
  test("with four members, evicting one needs two of the other three", async () => {
    expect(await as(0).evictionQuorum()).toBe(2);
    await expect(as(3).voteEvict(signers[3]!.address)).rejects.toThrow("cannot vote to evict itself");
    await as(0).voteEvict(signers[3]!.address);
    expect(await as(0).isMember(signers[3]!.address)).toBe(true);
    await as(1).voteEvict(signers[3]!.address);
    expect(await as(0).isMember(signers[3]!.address)).toBe(false);
    expect((await as(0).nodes()).map((n) => n.name)).toEqual(["n0", "n1-renamed", "n2"]);
    // The evicted address cannot come back, even with a valid admission.
    await expect(admit(3, "n3")).rejects.toThrow("was evicted");
  });
});
