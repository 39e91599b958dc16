// Follows the cluster's contracts with an eth_getLogs loop from a block cursor stored in SQLite. Any new log wakes
// the agent; the agent's periodic full resync keeps it correct even if a log is missed. Survives the endpoint
// restarting: a failed poll only marks the chain offline until the next one succeeds.
import type { JsonRpcProvider } from "ethers";
import type { Store } from "../store/store";
import type { Log } from "./log";

export type ChainWatchOptions = {
  provider: () => JsonRpcProvider | undefined;
  addresses: () => string[];
  /** Event signatures that do not change what the agent does (heartbeats): they wake nothing. */
  ignoreTopics: string[];
  store: Store;
  intervalMs: number;
  onChange: () => void;
  onError: (err: unknown) => void;
  log: Log;
};

const MAX_RANGE = 5000;

export function watchChain(o: ChainWatchOptions): () => void {
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const provider = o.provider();
      if (provider && o.addresses().length > 0) {
        try {
          const head = await provider.getBlockNumber();
          const stored = o.store.getMeta("chain_cursor");
          let cursor = stored === undefined ? head : Number(stored);
          if (cursor > head) cursor = head; // the chain was reset (dev chains)
          while (cursor < head) {
            const to = Math.min(head, cursor + MAX_RANGE);
            const logs = await provider.getLogs({ address: o.addresses(), fromBlock: cursor + 1, toBlock: to });
            cursor = to;
            o.store.setMeta("chain_cursor", String(cursor));
            if (logs.some((l) => !o.ignoreTopics.includes(l.topics[0] ?? ""))) o.onChange();
          }
          if (stored === undefined) o.store.setMeta("chain_cursor", String(cursor));
        } catch (err) {
          o.onError(err);
        }
      }
      await Bun.sleep(o.intervalMs);
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}
