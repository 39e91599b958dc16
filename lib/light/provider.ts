// An ethers JsonRpcProvider whose every answer comes from the light client: heads and blocks from the verified header
// chain, eth_call from the local EVM on proven state, balances, nonces, code and storage from proofs. Transactions,
// receipts, gas estimates and fee data pass through unverified: a lying endpoint can only make our transactions fail,
// and the agent acts on state it reads again through verified calls. Logs are checked against the receipts root of
// their verified block (logs.ts). Any other method is refused.
import { FetchRequest, JsonRpcProvider, Network, toQuantity, type JsonRpcError, type JsonRpcPayload, type JsonRpcResult } from "ethers";
import { bytesToHex } from "@ethereumjs/util";
import type { BlockHeader } from "@ethereumjs/block";
import { LightClient, type LightOptions } from "./client";
import { rpcHeaderOf } from "./header";
import { verifiedLogs, type LogFilter } from "./logs";
import { RpcError, rpcCall } from "./rpc";
import { VerifiedState, type CallRequest } from "./state";

const PASS_THROUGH = new Set([
  "eth_sendRawTransaction", "eth_estimateGas", "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory",
  "eth_getTransactionReceipt", "eth_getTransactionByHash",
]);

export class LightProvider extends JsonRpcProvider {
  readonly light: LightClient;
  private readonly verifiedState: VerifiedState;

  constructor(options: LightOptions) {
    const request = new FetchRequest(options.endpoints[0]!); // never used: _send below answers everything
    super(request, Network.from(options.chainId), { staticNetwork: true, pollingInterval: 250, cacheTimeout: -1, batchMaxCount: 1 });
    this.light = new LightClient(options);
    this.verifiedState = new VerifiedState(this.light.common, options.timeoutMs);
  }

  /** The endpoint in use. */
  get url(): string {
    return this.light.url;
  }

  // JsonRpcProvider declares results only; its caller (JsonRpcApiProvider) handles error entries as well.
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const payloads = Array.isArray(payload) ? payload : [payload];
    return Promise.all(payloads.map(async ({ id, method, params }): Promise<JsonRpcResult | JsonRpcError> => {
      try {
        return { id, result: await this.answer(method, (params ?? []) as unknown[]) };
      } catch (err) {
        if (err instanceof RpcError) return { id, error: { code: err.code, message: err.message, data: err.data } };
        throw err; // a VerificationError reaches the caller as it is, not disguised as a revert

      }
    })) as Promise<JsonRpcResult[]>;
  }

  override destroy(): void {
    super.destroy();
    this.light.close();
  }

  private async answer(method: string, params: unknown[]): Promise<unknown> {
    const light = this.light;
    const state = this.verifiedState;
    switch (method) {
      case "eth_chainId":
        return toQuantity(light.options.chainId);
      case "net_version":
        return light.options.chainId.toString();
      case "eth_blockNumber":
        return toQuantity((await light.latest()).header.number);
      case "eth_getBlockByNumber":
        return rpcHeaderOf(await this.headerAt(params[0]));
      case "eth_getBlockByHash":
        return light.byHash(String(params[0])) ? rpcHeaderOf(light.byHash(String(params[0]))!.header) : null;
      case "eth_call": {
        const header = await this.headerAt(params[1]);
        return light.verified("eth_call", (url) => state.call(url, header, params[0] as CallRequest));
      }
      case "eth_getBalance":
      case "eth_getTransactionCount": {
        const header = await this.headerAt(params[1]);
        const account = await light.verified("account", (url) => state.account(url, header, String(params[0])));
        if (method === "eth_getBalance") return toQuantity(account.balance);
        if (params[1] !== "pending") return toQuantity(account.nonce);
        // Our last transaction may be mined in a block newer than the verified head: the endpoint's pending nonce may
        // be higher (a liar inflating it can only make our transaction wait; one lowering it is overruled).
        const claimed = await light.verified(method, (url) => rpcCall(url, method, params, light.options.timeoutMs));
        return toQuantity(account.nonce > BigInt(claimed as string) ? account.nonce : BigInt(claimed as string));
      }
      case "eth_getCode": {
        const header = await this.headerAt(params[1]);
        return bytesToHex(await light.verified("code", (url) => state.code(url, header, String(params[0]))));
      }
      case "eth_getLogs":
        return light.verified("eth_getLogs", (url) => verifiedLogs(url, params[0] as LogFilter, (n) => light.header(n), light.options.timeoutMs));
      case "eth_getStorageAt": {
        const header = await this.headerAt(params[2]);
        const value = await light.verified("storage", (url) => state.storage(url, header, String(params[0]), String(params[1])));
        return "0x" + value.toString(16).padStart(64, "0");
      }
    }
    if (PASS_THROUGH.has(method)) return light.verified(method, (url) => rpcCall(url, method, params, light.options.timeoutMs));
    throw new RpcError(-32601, `${method} is not available in light mode`);
  }

  /** The verified header a block tag names: latest/pending/safe/finalized are the verified head. */
  private async headerAt(tag: unknown): Promise<BlockHeader> {
    if (tag === undefined || tag === "latest" || tag === "pending" || tag === "safe" || tag === "finalized") return (await this.light.latest()).header;
    if (tag === "earliest") return this.light.header(0n);
    if (typeof tag === "string" && /^0x[0-9a-fA-F]+$/.test(tag)) return this.light.header(BigInt(tag));
    throw new RpcError(-32602, `block tag ${JSON.stringify(tag)} is not supported in light mode`);
  }
}
