// Module `geth` (full mode only): this node's geth, kept up by the supervisor (restarts with backoff), and tended
// every few seconds: peered with the full members on chain, voting signers in and out. It starts first (the chain
// client reads the chain from it) and stops last.
import { FullNodeTender, gethDatadir, localGethUrl, superviseGeth, type GethSupervisor } from "../../geth";
import type { AgentContext } from "../context";
import { LoopModule, type LoopSpec } from "../loop";

const TEND_EVERY_MS = 5000;

export class GethModule extends LoopModule {
  readonly name = "geth";
  private supervisor: GethSupervisor | undefined;

  override async start(ctx: AgentContext): Promise<void> {
    const log = ctx.logger("geth");
    const { config, membership, address } = ctx;
    const supervisor = superviseGeth(config, address, { chainId: membership.chainId, seal: membership.fullNodesSeal }, {
      onReady: () => this.wake(),
      onExit: (code, delay) => log(`geth exited (code ${code}); restarting in ${delay} ms (log: ${supervisor.log})`),
    });
    this.supervisor = supervisor;
    await supervisor.start();
    log(`geth running (datadir ${gethDatadir(config)}, RPC ${localGethUrl(config)}, log ${supervisor.log})`);
    await super.start(ctx);
  }

  protected loop(ctx: AgentContext): LoopSpec {
    const tender = new FullNodeTender(this.supervisor!.ipc, ctx.address, ctx.membership, ctx.logger("geth"));
    return { everyMs: TEND_EVERY_MS, run: async () => tender.tend(ctx.state.view?.members ?? (await (await ctx.chain.get()).reader.devices.nodes())) };
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.supervisor?.stop();
  }
}
