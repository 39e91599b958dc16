// Module `geth` (full mode only): this node's geth, kept up by the supervisor (restarts with backoff), and tended
// every few seconds: peered with the full members on chain, voting signers in and out. It starts first (the chain
// client reads the chain from it) and stops last.
import { FullNodeTender, gethDatadir, localGethUrl, superviseGeth, type GethSupervisor } from "../../geth";
import type { AgentContext } from "../context";
import { Loop } from "../loop";
import type { Module } from "../runtime";

const TEND_EVERY_MS = 5000;

export class GethModule implements Module {
  readonly name = "geth";
  private supervisor: GethSupervisor | undefined;
  private loop: Loop | undefined;

  async start(ctx: AgentContext): Promise<void> {
    const log = ctx.logger("geth");
    const { config, membership, address } = ctx;
    const supervisor = superviseGeth(config, address, { chainId: membership.chainId, seal: membership.fullNodesSeal }, {
      onReady: () => this.loop?.wake(),
      onExit: (code, delay) => log(`geth exited (code ${code}); restarting in ${delay} ms (log: ${supervisor.log})`),
    });
    this.supervisor = supervisor;
    const tender = new FullNodeTender(supervisor.ipc, address, membership, log);
    this.loop = new Loop({
      everyMs: TEND_EVERY_MS,
      limitMs: config.values.service.stuck_after_ms,
      log: (line) => log(`peering/votes: ${line}`),
      run: async () => tender.tend(ctx.state.view?.members ?? (await (await ctx.chain.get()).reader.devices.nodes())),
    });
    await supervisor.start();
    log(`geth running (datadir ${gethDatadir(config)}, RPC ${localGethUrl(config)}, log ${supervisor.log})`);
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    await this.supervisor?.stop();
  }

  health(now: number): string | null {
    return this.loop?.health(now) ?? null;
  }
}
