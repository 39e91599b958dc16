// Real geth v1.13.15 nodes on a private Clique chain for tests: each on free loopback ports with its own datadir,
// the signer's key imported through geth's keystore + a password file (never on the command line).
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { saveKeystore } from "../../lib/keys";
import { writeFileAtomic } from "../../lib/fs";
import {
  CREATOR_ALLOC_WEI, DEFAULT_EPOCH, DEFAULT_GAS_LIMIT, GethSupervisor, cliqueGenesis, geth, initDatadir, installKeystore,
  type GenesisParams, type GethGenesis,
} from "../../lib/geth";
import { tempDir } from "./cli";
import { killWhenWeExit } from "./dockerd";
import { freePort } from "./ports";

export const GETH_BIN = process.env.GETH_BIN || [join(homedir(), "go/bin/geth"), "/usr/local/bin/geth"].find((p) => existsSync(p)) || "geth";

export type TestGeth = {
  url: string;
  httpPort: number;
  p2pPort: number;
  ipc: string;
  datadir: string;
  enode: string;
  /** The sealing account, if this node seals. */
  signer: Wallet | undefined;
  /** The genesis parameters (start more nodes of this chain with them) and the JSON geth was initialised from. */
  params: GenesisParams;
  genesis: GethGenesis;
  genesisHash: string;
  /** Stops geth (SIGTERM, its database is flushed); `restart` starts it again on the same ports and datadir. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Connects to another node (admin_addPeer) and waits until they are peers. */
  peerWith(other: TestGeth): Promise<void>;
};

/** Genesis parameters for a one-signer test chain; the signer is also funded (CREATOR_ALLOC_WEI). */
export function testGenesis(signer: string, o: { periodSeconds?: number; chainId?: bigint; epoch?: number; alloc?: Record<string, bigint> } = {}): GenesisParams {
  return {
    chainId: o.chainId ?? 4242n,
    periodSeconds: o.periodSeconds ?? 1,
    epoch: o.epoch ?? DEFAULT_EPOCH,
    signers: [signer],
    alloc: { [signer]: CREATOR_ALLOC_WEI, ...o.alloc },
    timestamp: Math.floor(Date.now() / 1000),
    gasLimit: DEFAULT_GAS_LIMIT,
  };
}

export type StartGethOptions = {
  genesis: GenesisParams;
  /** Seal blocks with this key (it must be a signer of the genesis or voted in). */
  signer?: Wallet;
  datadir?: string;
  verbosity?: number;
};

/** A geth node of `genesis`'s chain; with `signer`, it seals. */
export async function startGeth(o: StartGethOptions): Promise<TestGeth> {
  const datadir = o.datadir ?? join(tempDir(), "geth");
  const genesis = cliqueGenesis(o.genesis);
  await initDatadir(GETH_BIN, datadir, genesis);
  let signer: { address: string; passwordFile: string } | undefined;
  if (o.signer) {
    const passwordFile = join(datadir, "password");
    writeFileAtomic(passwordFile, "test-geth-password\n", 0o600);
    const keystore = join(datadir, "node-key.json");
    await saveKeystore(keystore, o.signer, "test-geth-password", 1024);
    installKeystore(datadir, keystore, o.signer.address);
    signer = { address: o.signer.address, passwordFile };
  }
  const [p2pPort, httpPort, authrpcPort] = [await freePort(), await freePort(), await freePort()];
  const cancels: (() => void)[] = [];
  const supervisor = new GethSupervisor(
    { bin: GETH_BIN, datadir, networkId: o.genesis.chainId, p2pPort, httpAddress: "127.0.0.1", httpPort, authrpcPort, signer, verbosity: o.verbosity ?? 2 },
    { onSpawn: (pid) => cancels.push(killWhenWeExit(pid)) },
  );
  await supervisor.start();
  const info = await geth.nodeInfo(supervisor.ipc);
  const block0 = await geth.block(supervisor.ipc, "0x0");
  const node: TestGeth = {
    url: `http://127.0.0.1:${httpPort}`,
    httpPort,
    p2pPort,
    ipc: supervisor.ipc,
    datadir,
    enode: info.enode.replace(/@[^:]+:/, "@127.0.0.1:").replace(/\?.*$/, ""),
    signer: o.signer,
    params: o.genesis,
    genesis,
    genesisHash: block0!.hash,
    async stop() {
      await supervisor.stop();
      for (const cancel of cancels.splice(0)) cancel();
    },
    restart: () => supervisor.start(),
    async peerWith(other) {
      await geth.addPeer(node.ipc, other.enode);
      const id = other.enode.slice("enode://".length, other.enode.indexOf("@"));
      const deadline = Date.now() + 20_000;
      while (!(await geth.peers(node.ipc)).some((p) => p.id === id || p.enode.includes(id))) {
        if (Date.now() > deadline) throw new Error(`geth ${node.p2pPort} did not peer with ${other.p2pPort}`);
        await Bun.sleep(100);
      }
    },
  };
  return node;
}

/** One sealing geth on a fresh chain: `periodSeconds` Clique blocks (1 s by default), its key funded in genesis. */
export async function startGethSigner(o: { periodSeconds?: number; chainId?: bigint; key?: Wallet; datadir?: string } = {}): Promise<TestGeth> {
  const signer = o.key ?? new Wallet(Wallet.createRandom().privateKey);
  return startGeth({ genesis: testGenesis(signer.address, o), signer, datadir: o.datadir });
}
