// Verified contract state at a verified header: accounts, storage slots and code fetched with eth_getProof/eth_getCode
// and checked against the header's state root (proof.ts), cached per state root. eth_call is answered here by running
// the EVM (@ethereumjs/evm) on that state, the way Helios does: every contract read the agent acts on is verified
// without its callers knowing. eth_createAccessList from the endpoint is only a hint of which slots to prefetch in one
// batch; a slot it leaves out is fetched (and verified) when the EVM reads it.
import { cliqueSigner, type BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { createEVM } from "@ethereumjs/evm";
import { RPCStateManager } from "@ethereumjs/statemanager";
import { Account, Address, bytesToHex, createAccount, hexToBytes, setLengthLeft, bigIntToBytes } from "@ethereumjs/util";
import { toQuantity } from "ethers";
import { verifyAccountProof, verifyCode, verifyStorageProof, type ProofResponse, type VerifiedAccount } from "./proof";
import { VerificationError } from "./errors";
import { RpcError, TransportError, rpcCall, rpcResults, type RpcCall } from "./rpc";

const EMPTY_CODE_HASH = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045a85a470";
const STATES_KEPT = 4;
const CALL_GAS = 100_000_000n;

type BlockState = { accounts: Map<string, VerifiedAccount>; storage: Map<string, bigint> };
export type CallRequest = { from?: string; to?: string; data?: string; input?: string; value?: string; gas?: string };

export class VerifiedState {
  private readonly states = new Map<string, BlockState>();
  private readonly codes = new Map<string, Uint8Array>();

  constructor(private readonly common: Common, private readonly timeoutMs: number) {}

  async account(url: string, header: BlockHeader, address: string): Promise<VerifiedAccount> {
    const state = this.at(header);
    const key = address.toLowerCase();
    const cached = state.accounts.get(key);
    if (cached) return cached;
    await this.prefetch(url, header, [{ address: key, storageKeys: [] }]);
    return state.accounts.get(key)!;
  }

  async storage(url: string, header: BlockHeader, address: string, slot: string): Promise<bigint> {
    const state = this.at(header);
    const key = `${address.toLowerCase()}:${slotKey(slot)}`;
    if (!state.storage.has(key)) await this.prefetch(url, header, [{ address: address.toLowerCase(), storageKeys: [slot] }]);
    return state.storage.get(key)!;
  }

  async code(url: string, header: BlockHeader, address: string): Promise<Uint8Array> {
    const account = await this.account(url, header, address);
    if (account.codeHash === EMPTY_CODE_HASH) return new Uint8Array();
    const cached = this.codes.get(account.codeHash);
    if (cached) return cached;
    const [text] = await stateQuery(url, [{ method: "eth_getCode", params: [address, toQuantity(header.number)] }], this.timeoutMs);
    const code = verifyCode(address, account.codeHash, text as string);
    this.codes.set(account.codeHash, code);
    return code;
  }

  /** Fetches and verifies, in one batch, every account and slot of `list` not cached yet. */
  async prefetch(url: string, header: BlockHeader, list: Array<{ address: string; storageKeys: string[] }>): Promise<void> {
    const state = this.at(header);
    const wanted = list
      .map((e) => ({ address: e.address.toLowerCase(), slots: e.storageKeys.map(slotKey).filter((s) => !state.storage.has(`${e.address.toLowerCase()}:${s}`)) }))
      .filter((e) => e.slots.length > 0 || !state.accounts.has(e.address));
    if (wanted.length === 0) return;
    const block = toQuantity(header.number);
    const proofs = (await stateQuery(url, wanted.map((e) => ({ method: "eth_getProof", params: [e.address, e.slots, block] })), this.timeoutMs)) as ProofResponse[];
    const stateRoot = bytesToHex(header.stateRoot);
    for (const [i, e] of wanted.entries()) {
      const proof = proofs[i]!;
      const account = await verifyAccountProof(stateRoot, e.address, proof);
      for (const slot of e.slots) {
        const entry = proof.storageProof?.find((p) => slotKey(p.key) === slot);
        if (!entry) throw new VerificationError(`storage ${e.address}[${slot}]: no proof returned`);
        state.storage.set(`${e.address}:${slot}`, await verifyStorageProof(account.storageRoot, e.address, slot, entry));
      }
      state.accounts.set(e.address, account);
    }
  }

  /** eth_call answered by the local EVM on verified state; a revert comes back as a JSON-RPC error with its data. */
  async call(url: string, header: BlockHeader, tx: CallRequest): Promise<string> {
    const block = toQuantity(header.number);
    try {
      const hint = (await rpcCall(url, "eth_createAccessList", [tx, block], this.timeoutMs)) as { accessList?: Array<{ address: string; storageKeys: string[] }> };
      const list = [...(hint.accessList ?? [])];
      if (tx.to && !list.some((e) => e.address.toLowerCase() === tx.to!.toLowerCase())) list.push({ address: tx.to, storageKeys: [] });
      await this.prefetch(url, header, list);
    } catch (err) {
      if (!(err instanceof RpcError)) throw err; // an endpoint without eth_createAccessList: every read goes one by one
    }
    const stateManager = new ProvenStateManager(this, url, header, this.common);
    const evm = await createEVM({ common: this.common, stateManager, cliqueSigner: cliqueSigner as never }); // COINBASE is the Clique signer, as in geth
    const result = await evm.runCall({
      block: { header: Object.assign(Object.create(header) as BlockHeader, { getBlobGasPrice: () => undefined }) },
      caller: tx.from ? new Address(hexToBytes(tx.from as `0x${string}`)) : undefined,
      to: tx.to ? new Address(hexToBytes(tx.to as `0x${string}`)) : undefined,
      data: hexToBytes(((tx.data ?? tx.input ?? "0x") as `0x${string}`)),
      value: tx.value ? BigInt(tx.value) : 0n,
      gasLimit: tx.gas ? BigInt(tx.gas) : CALL_GAS,
      skipBalance: true,
    });
    const error = result.execResult.exceptionError;
    if (error) {
      const data = bytesToHex(result.execResult.returnValue);
      throw new RpcError(3, error.error === "revert" ? "execution reverted" : `execution failed: ${error.error}`, data);
    }
    return bytesToHex(result.execResult.returnValue);
  }

  private at(header: BlockHeader): BlockState {
    const root = bytesToHex(header.stateRoot);
    let state = this.states.get(root);
    if (!state) {
      state = { accounts: new Map(), storage: new Map() };
      this.states.set(root, state);
      if (this.states.size > STATES_KEPT) this.states.delete(this.states.keys().next().value!);
    }
    return state;
  }
}

/** State the endpoint cannot give (e.g. a block it does not have yet) is its failure, not an answer: try the next one. */
async function stateQuery(url: string, calls: RpcCall[], timeoutMs: number): Promise<unknown[]> {
  try {
    return await rpcResults(url, calls, timeoutMs);
  } catch (err) {
    if (err instanceof RpcError) throw new TransportError(`${calls[0]!.method} failed: ${err.message}`);
    throw err;
  }
}

function slotKey(slot: string): string {
  return bytesToHex(setLengthLeft(hexToBytes(slot as `0x${string}`), 32));
}

/** @ethereumjs/statemanager's RPC state manager (journal and caches for one call) reading only verified state. */
class ProvenStateManager extends RPCStateManager {
  constructor(private readonly verifiedState: VerifiedState, private readonly url: string, private readonly header: BlockHeader, common: Common) {
    super({ provider: url, blockTag: header.number, common });
  }

  override async getAccountFromProvider(address: Address): Promise<Account> {
    const a = await this.verifiedState.account(this.url, this.header, address.toString());
    return createAccount({ nonce: a.nonce, balance: a.balance, storageRoot: hexToBytes(a.storageRoot as `0x${string}`), codeHash: hexToBytes(a.codeHash as `0x${string}`) });
  }

  override async getCode(address: Address): Promise<Uint8Array> {
    const cached = this._caches.code?.get(address)?.code;
    if (cached !== undefined) return cached;
    const code = await this.verifiedState.code(this.url, this.header, address.toString());
    this._caches.code?.put(address, code);
    return code;
  }

  override async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    const cached = this._caches.storage?.get(address, key);
    if (cached !== undefined) return cached;
    const value = await this.verifiedState.storage(this.url, this.header, address.toString(), bytesToHex(key));
    const bytes = value === 0n ? new Uint8Array() : bigIntToBytes(value);
    await this.putStorage(address, key, bytes);
    return bytes;
  }
}
