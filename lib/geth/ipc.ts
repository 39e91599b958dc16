// JSON-RPC to the local geth over its IPC socket: admin_* and clique_* live only there, never on HTTP.
import { connect } from "node:net";

export class GethRpcError extends Error {}

/** One JSON-RPC call on geth's unix socket. */
export function gethIpc<T = unknown>(ipc: string, method: string, params: unknown[] = [], timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = connect(ipc);
    let buffer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new GethRpcError(`geth IPC ${method}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    socket.on("connect", () => socket.write(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) + "\n"));
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let reply: { result?: T; error?: { message: string } };
      try {
        reply = JSON.parse(buffer);
      } catch {
        return; // not all of it yet
      }
      if (reply.error) finish(() => reject(new GethRpcError(`geth ${method}: ${reply.error!.message}`)));
      else finish(() => resolve(reply.result as T));
    });
    socket.on("error", (err) => finish(() => reject(new GethRpcError(`geth IPC ${ipc}: ${err.message}`))));
  });
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
