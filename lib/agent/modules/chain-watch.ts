// Module `chain-watch`: follows the cluster's contracts with an eth_getLogs loop from a block cursor stored in
// agent.db (filter subscriptions are lost silently when a node restarts; a cursor is not). Any log but a heartbeat
// tells the bus `chain-changed`; the sync module's periodic resync keeps things correct if a log is ever missed.
// A failed poll only marks the chain offline until the next one succeeds.
import { id as eventTopic } from "ethers";
import type { AgentContext } from "../context";
import { LoopModule, type LoopSpec } from "../loop";

const MAX_RANGE = 5000;
/** Event signatures that do not change what the agent does: they wake nothing. */
const IGNORED = new Set([eventTopic("Heartbeat(address)")]);

export class ChainWatchModule extends LoopModule {
  readonly name = "chain-watch";

  protected loop(ctx: AgentContext): LoopSpec {
    return { everyMs: ctx.config.values.chain.poll_interval_ms, run: () => this.poll(ctx) };
  }

  private async poll(ctx: AgentContext): Promise<void> {
    const client = ctx.chain.ready(); // the sync module opens it; until then there is nothing to follow
    if (!client) return;
    const { reader } = client;
    const addresses = [reader.devices.address, reader.apps.address, reader.events.address];
    try {
      const head = await reader.provider.getBlockNumber();
      const stored = ctx.store.getMeta("chain_cursor");
      let cursor = stored === undefined ? head : Math.min(Number(stored), head); // above the head: a dev chain was reset
      while (cursor < head) {
        const to = Math.min(head, cursor + MAX_RANGE);
        const logs = await reader.provider.getLogs({ address: addresses, fromBlock: cursor + 1, toBlock: to });
        cursor = to;
        ctx.store.setMeta("chain_cursor", String(cursor));
        if (logs.some((l) => !IGNORED.has(l.topics[0] ?? ""))) ctx.bus.emit("chain-changed");
      }
      if (stored === undefined) ctx.store.setMeta("chain_cursor", String(cursor));
    } catch (err) {
      ctx.markOffline(err);
    }
  }
}
