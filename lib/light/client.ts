// The light client: member endpoints tried in order, a header chain verified from the genesis hash (parent links and
// Clique seals) and kept in bun:sqlite, and reads verified against a verified header. A response that fails
// verification is rejected, logged with the endpoint and what failed, and the client moves to the next endpoint.
import type { BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { bytesToHex } from "@ethereumjs/util";
import { toQuantity } from "ethers";
import { applyHeader, genesisSnapshot } from "./clique";
import { VerificationError } from "./errors";
import { cliqueCommon, parseHeader } from "./header";
import { TransportError, rpcCall, rpcResults } from "./rpc";
import { ANCHOR_EVERY, HeaderStore, type VerifiedHeader } from "./store";

/** Headers asked for in one JSON-RPC batch while syncing. */
const BATCH = 200;

export type LightOptions = {
  endpoints: string[];
  chainId: bigint;
  genesisHash: string;
  storePath: string;
  timeoutMs: number;
  /** Where rejections are reported; the agent's log. */
  log?: (line: string) => void;
  /** The head is synced again when it is older than this (ms) at a read of "latest". */
  freshMs?: number;
  /**
   * A verified head older than this (s) may mean the endpoint in use is cut off from the signers: the other endpoints
   * are then asked too (at most every 30 s), and the client moves to one that is further ahead.
   */
  staleSeconds?: number;
  /** Verified headers kept in the store (default 4096). */
  keepHeaders?: number;
};

const WIDE_CHECK_MS = 30_000;
/** Old headers (verified through an anchor) kept in memory. */
const OLD_CACHED = 8192;

export class LightClient {
  readonly common: Common;
  private readonly store: HeaderStore;
  private index = 0;
  private cachedHead: VerifiedHeader | undefined;
  private lastSync = 0;
  private syncing: Promise<VerifiedHeader> | undefined;
  /** Rejections so far, newest last (status and tests read them). */
  readonly rejections: Array<{ url: string; reason: string; at: number }> = [];

  constructor(readonly options: LightOptions) {
    if (options.endpoints.length === 0) throw new Error("light mode needs at least one endpoint in [chain] rpc");
    this.common = cliqueCommon(options.chainId);
    this.store = new HeaderStore(options.storePath, this.common, options.genesisHash.toLowerCase(), options.keepHeaders);
    this.cachedHead = this.store.head();
  }

  /** The endpoint in use. */
  get url(): string {
    return this.options.endpoints[this.index]!;
  }

  /** The verified head, without asking any endpoint (undefined before the first sync). */
  get head(): VerifiedHeader | undefined {
    return this.cachedHead;
  }

  /**
   * Runs `fn` against the endpoint in use; when it throws a VerificationError or the endpoint cannot be reached, logs
   * it and tries the next endpoint, each at most once. A JSON-RPC error (a revert) is an answer and is passed on, and
   * any other error is ours, not the endpoint's.
   */
  async verified<T>(what: string, fn: (url: string) => Promise<T>): Promise<T> {
    const failures: string[] = [];
    const { endpoints } = this.options;
    const start = this.index; // concurrent reads each walk the list once from the endpoint in use
    for (let tried = 0; tried < endpoints.length; tried++) {
      const i = (start + tried) % endpoints.length;
      const url = endpoints[i]!;
      try {
        const result = await fn(url);
        this.index = i;
        return result;
      } catch (err) {
        if (!(err instanceof VerificationError) && !(err instanceof TransportError)) throw err;
        const reason = err instanceof VerificationError ? `rejected: ${err.message}` : `unreachable: ${err.message}`;
        failures.push(`${url} (${reason})`);
        if (err instanceof VerificationError) {
          this.rejections.push({ url, reason: err.message, at: Date.now() });
          if (this.rejections.length > 100) this.rejections.shift();
        }
        this.options.log?.(`${what} from ${url} ${reason}; trying the next endpoint`);
        if (this.index === i) this.index = (i + 1) % endpoints.length;
      }
    }
    throw new VerificationError(`no endpoint gave a verifiable ${what}: ${failures.join("; ")}`);
  }

  /** Verifies headers up to the head of the endpoint in use and returns the verified head. */
  sync(): Promise<VerifiedHeader> {
    this.syncing ??= this.verified("header chain", (url) => this.syncFrom(url))
      .then((head) => this.aheadElsewhere(head))
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private lastWideCheck = 0;

  /** When the head looks stale, verifies the other endpoints' chains too and moves to the one furthest ahead. */
  private async aheadElsewhere(head: VerifiedHeader): Promise<VerifiedHeader> {
    const ageS = Date.now() / 1000 - Number(head.header.timestamp);
    const { endpoints, staleSeconds = 30 } = this.options;
    if (ageS <= staleSeconds || endpoints.length < 2 || Date.now() - this.lastWideCheck < WIDE_CHECK_MS) return head;
    this.lastWideCheck = Date.now();
    const current = this.index;
    for (const [i, url] of endpoints.entries()) {
      if (i === current) continue;
      try {
        const before = this.cachedHead!.header.number;
        const theirs = await this.syncFrom(url);
        if (theirs.header.number > before) {
          this.options.log?.(`head from ${endpoints[current]} is ${Math.round(ageS)} s old; ${url} is ahead (block ${theirs.header.number}): using it`);
          this.index = i;
        }
      } catch (err) {
        if (!(err instanceof VerificationError) && !(err instanceof TransportError)) throw err;
        if (err instanceof VerificationError) this.rejections.push({ url, reason: err.message, at: Date.now() });
        this.options.log?.(`header chain from ${url} ${err instanceof VerificationError ? "rejected" : "unreachable"}: ${err.message}`);
      }
    }
    return this.cachedHead!;
  }

  /** The verified head, synced first when it is older than freshMs. */
  async latest(): Promise<VerifiedHeader> {
    if (this.cachedHead && Date.now() - this.lastSync < (this.options.freshMs ?? 500)) return this.cachedHead;
    return this.sync();
  }

  /** A verified header by number (synced up to it when it is ahead of the verified head). */
  async byNumber(number: bigint): Promise<VerifiedHeader> {
    const stored = this.store.byNumber(number);
    if (stored) return stored;
    const head = await this.sync();
    if (number > head.header.number) throw new VerificationError(`block ${number} is beyond the verified head ${head.header.number}`);
    const again = this.store.byNumber(number);
    if (!again) throw new VerificationError(`block ${number} is older than the verified headers kept`);
    return again;
  }

  /**
   * A verified header by number, also one older than the headers kept: the headers from it up to the next anchor
   * (a hash kept for every 1024th block) are fetched and must link by parent hash to that anchor.
   */
  async header(number: bigint): Promise<BlockHeader> {
    const stored = this.store.byNumber(number);
    if (stored) return stored.header;
    const cached = this.old.get(number);
    if (cached) return cached;
    const head = await this.sync();
    if (number > head.header.number) throw new VerificationError(`block ${number} is beyond the verified head ${head.header.number}`);
    const synced = this.store.byNumber(number);
    if (synced) return synced.header;
    const anchorAt = ((number + ANCHOR_EVERY - 1n) / ANCHOR_EVERY) * ANCHOR_EVERY;
    const anchor = this.store.anchor(anchorAt) ?? (this.store.byNumber(anchorAt) && bytesToHex(this.store.byNumber(anchorAt)!.header.hash()));
    if (!anchor) throw new VerificationError(`block ${number} cannot be verified: no verified hash kept for block ${anchorAt}`);
    const segment = await this.verified(`headers ${number}-${anchorAt}`, async (url) => {
      const headers: BlockHeader[] = [];
      for (let from = number; from <= anchorAt; from += BigInt(BATCH)) {
        headers.push(...(await this.fetchHeaders(url, from, from + BigInt(BATCH) - 1n < anchorAt ? from + BigInt(BATCH) - 1n : anchorAt)));
      }
      if (bytesToHex(headers.at(-1)!.hash()) !== anchor) throw new VerificationError(`block ${anchorAt} is not the verified ${anchor}`);
      for (let i = headers.length - 2; i >= 0; i--) {
        if (bytesToHex(headers[i]!.hash()) !== bytesToHex(headers[i + 1]!.parentHash)) throw new VerificationError(`block ${headers[i]!.number} is not the parent of the verified block ${headers[i + 1]!.number}`);
      }
      return headers;
    });
    for (const h of segment) this.old.set(h.number, h);
    while (this.old.size > OLD_CACHED) this.old.delete(this.old.keys().next().value!);
    return segment[0]!;
  }

  /** Old headers verified through an anchor, oldest insertion first. */
  private readonly old = new Map<bigint, BlockHeader>();

  byHash(hash: string): VerifiedHeader | undefined {
    return this.store.byHash(hash);
  }

  close(): void {
    this.store.close();
  }

  private async syncFrom(url: string): Promise<VerifiedHeader> {
    const timeout = this.options.timeoutMs;
    // Another process on this data dir may have verified further (the daemon while `status` runs).
    const stored = this.store.head();
    if (stored && (!this.cachedHead || stored.td > this.cachedHead.td)) this.cachedHead = stored;
    let head = this.cachedHead ?? (await this.genesis(url));
    const target = BigInt((await rpcCall(url, "eth_blockNumber", [], timeout)) as string);
    while (head.header.number < target) {
      const from = head.header.number + 1n;
      const to = from + BigInt(BATCH) - 1n < target ? from + BigInt(BATCH) - 1n : target;
      const headers = await this.fetchHeaders(url, from, to);
      if (bytesToHex(headers[0]!.parentHash) !== bytesToHex(head.header.hash())) {
        head = await this.reorg(url, head, target);
        continue;
      }
      const verified = this.verifyChain(head, headers);
      this.store.append(verified);
      head = verified.at(-1)!;
      this.cachedHead = head;
    }
    // An endpoint that is behind, or on another branch at our height, must not serve reads at our head.
    if (target <= head.header.number) {
      const [theirs] = await this.fetchHeaders(url, target, target);
      const ours = this.store.byNumber(target);
      if (ours && bytesToHex(theirs!.hash()) !== bytesToHex(ours.header.hash())) head = await this.reorg(url, head, target);
    }
    this.cachedHead = head;
    this.lastSync = Date.now();
    return head;
  }

  /** The endpoint's chain forks from ours: find where, verify its branch, and switch to it if it is heavier. */
  private async reorg(url: string, head: VerifiedHeader, target: bigint): Promise<VerifiedHeader> {
    let n = head.header.number < target ? head.header.number : target;
    for (;;) {
      const ours = this.store.byNumber(n);
      if (!ours) throw new VerificationError(`the endpoint's chain forks from ours before the oldest verified header kept (block ${n})`);
      const [theirs] = await this.fetchHeaders(url, n, n);
      if (bytesToHex(theirs!.hash()) === bytesToHex(ours.header.hash())) {
        let tip = ours;
        const branch: VerifiedHeader[] = [];
        for (let from = n + 1n; from <= target; from += BigInt(BATCH)) {
          const to = from + BigInt(BATCH) - 1n < target ? from + BigInt(BATCH) - 1n : target;
          const verified = this.verifyChain(tip, await this.fetchHeaders(url, from, to));
          branch.push(...verified);
          tip = verified.at(-1)!;
        }
        if (tip.td <= head.td) throw new VerificationError(`the endpoint follows a lighter branch (total difficulty ${tip.td} ≤ ${head.td}) from block ${n}`);
        this.store.append(branch, n);
        this.cachedHead = tip;
        return tip;
      }
      n--;
    }
  }

  private verifyChain(parent: VerifiedHeader, headers: BlockHeader[]): VerifiedHeader[] {
    const out: VerifiedHeader[] = [];
    for (const header of headers) {
      const snapshot = applyHeader(parent.snapshot, parent.header, header);
      parent = { header, snapshot, td: parent.td + header.difficulty };
      out.push(parent);
    }
    return out;
  }

  private async fetchHeaders(url: string, from: bigint, to: bigint): Promise<BlockHeader[]> {
    const calls = [];
    for (let n = from; n <= to; n++) calls.push({ method: "eth_getBlockByNumber", params: [toQuantity(n), false] });
    const results = await rpcResults(url, calls, this.options.timeoutMs);
    return results.map((json, i) => parseHeader(json, this.common, from + BigInt(i)));
  }

  /** The root of trust: the endpoint's block 0 must hash to the cluster's genesis hash. */
  private async genesis(url: string): Promise<VerifiedHeader> {
    const [genesis] = await this.fetchHeaders(url, 0n, 0n);
    const hash = bytesToHex(genesis!.hash());
    if (hash !== this.options.genesisHash.toLowerCase()) throw new VerificationError(`genesis block ${hash} is not the cluster's ${this.options.genesisHash}`);
    const verified = { header: genesis!, snapshot: genesisSnapshot(genesis!), td: genesis!.difficulty };
    this.store.append([verified]);
    this.cachedHead = verified;
    return verified;
  }
}
