// JSON-RPC to the local geth over its IPC socket (admin_* and clique_* live only there, never on HTTP), through ethers'
// IpcSocketProvider: one connection per socket path, kept open between calls. The supervisor restarts geth, so a
// connection that closes or fails (geth restarted, or not up yet) is dropped and the next call connects again; every
// call has its own timeout, which ethers' socket providers do not have.
import { IpcSocketProvider, Network, type EthersError, type ProviderEvent } from "ethers";

export class GethRpcError extends Error {}

/** Only send() is used, so any fixed network will do: it spares ethers asking geth for its chain id. */
const NO_NETWORK = new Network("geth-ipc", 0n);

class GethSocket extends IpcSocketProvider {
  constructor(ipc: string) {
    super(ipc, NO_NETWORK, { staticNetwork: NO_NETWORK });
  }

  // When geth hangs up, ethers 6.17 emits "close", which its own event names do not include: that emit rejects
  // ("unknown ProviderEvent") and, since nothing awaits it, the unhandled rejection would end the process.
  override emit(event: ProviderEvent, ...args: unknown[]): Promise<boolean> {
    return event === "close" ? Promise.resolve(false) : super.emit(event, ...args);
  }
}

type Connection = { provider: GethSocket; lost: Promise<never>; inFlight: number; retired: boolean; closed: boolean };

const connections = new Map<string, Connection>();

function connection(ipc: string): Connection {
  const cached = connections.get(ipc);
  if (cached) return cached;
  const provider = new GethSocket(ipc);
  let fail: (err: GethRpcError) => void = () => {};
  const lost = new Promise<never>((_, reject) => (fail = reject));
  lost.catch(() => {}); // matters only to the calls in flight, which race it
  const conn: Connection = { provider, lost, inFlight: 0, retired: false, closed: false };
  const drop = (reason: string) => {
    fail(new GethRpcError(`geth IPC ${ipc}: ${reason}`));
    close(ipc, conn);
  };
  // A listener for 'error' is what keeps a missing or refused socket from being an uncaught exception.
  provider.socket.on("error", (err) => drop(err.message));
  provider.socket.on("close", () => drop("connection closed"));
  provider.socket.unref(); // an idle connection does not keep a CLI command alive; a call's timer does while it waits
  connections.set(ipc, conn);
  return conn;
}

function close(ipc: string, conn: Connection): void {
  if (connections.get(ipc) === conn) connections.delete(ipc);
  if (conn.closed) return;
  conn.closed = true;
  conn.provider.destroy();
}

/** geth's own words from an ethers JSON-RPC error (ethers keeps geth's error object as `error` or `info.error`). */
function gethMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { error, info } = err as EthersError;
  const reply: unknown = info?.error ?? error;
  const message = reply && typeof reply === "object" && "message" in reply ? reply.message : undefined;
  return typeof message === "string" ? message : err.message;
}

/** One JSON-RPC call on geth's unix socket. */
export async function gethIpc<T = unknown>(ipc: string, method: string, params: unknown[] = [], timeoutMs = 5000): Promise<T> {
  const conn = connection(ipc);
  conn.inFlight++;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // A connection geth stopped answering on is not reused: new calls get a new one, this one closes when idle.
      if (connections.get(ipc) === conn) connections.delete(ipc);
      conn.retired = true;
      reject(new GethRpcError(`geth IPC ${method}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const answer = conn.provider.send(method, params).then(
    (result: T) => result,
    (err: unknown) => {
      throw new GethRpcError(`geth ${method}: ${gethMessage(err)}`);
    },
  );
  try {
    return await Promise.race([answer, conn.lost, timeout]);
  } finally {
    clearTimeout(timer);
    if (--conn.inFlight === 0 && conn.retired) close(ipc, conn);
  }
}

export type PeerInfo = { enode: string; id: string; network: { remoteAddress: string; inbound: boolean } };

export const geth = {
  clientVersion: (ipc: string) => gethIpc<string>(ipc, "web3_clientVersion"),
  nodeInfo: (ipc: string) => gethIpc<{ enode: string; id: string; protocols: { eth?: { network: number; genesis: string } } }>(ipc, "admin_nodeInfo"),
  peers: (ipc: string) => gethIpc<PeerInfo[]>(ipc, "admin_peers"),
  addPeer: (ipc: string, enode: string) => gethIpc<boolean>(ipc, "admin_addPeer", [enode]),
  signers: (ipc: string) => gethIpc<string[]>(ipc, "clique_getSigners"),
  propose: (ipc: string, address: string, add: boolean) => gethIpc<null>(ipc, "clique_propose", [address, add]),
  discard: (ipc: string, address: string) => gethIpc<null>(ipc, "clique_discard", [address]),
  signerOf: (ipc: string, blockNumber: number) => gethIpc<string>(ipc, "clique_getSigner", ["0x" + blockNumber.toString(16)]),
  setHead: (ipc: string, blockNumber: number) => gethIpc<null>(ipc, "debug_setHead", ["0x" + blockNumber.toString(16)]),
  proposals: (ipc: string) => gethIpc<Record<string, boolean>>(ipc, "clique_proposals"),
  syncing: (ipc: string) => gethIpc<false | { currentBlock: string; highestBlock: string }>(ipc, "eth_syncing"),
  blockNumber: async (ipc: string) => Number(await gethIpc<string>(ipc, "eth_blockNumber")),
  block: (ipc: string, tag: string) => gethIpc<{ hash: string; number: string; timestamp: string } | null>(ipc, "eth_getBlockByNumber", [tag, false]),
};
