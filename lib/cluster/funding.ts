// Where a node's gas money comes from: on a dev chain, its prefunded account; in a cluster, the join key's budget.
import { formatEther, type JsonRpcProvider, type TransactionReceipt, type Wallet } from "ethers";
import { UserError } from "../errors";
import { mined } from "../chain";

/** Tops `to` up to `amount` wei from the dev chain's first unlocked account (anvil, geth --dev). */
export async function fundFromDevAccount(provider: JsonRpcProvider, to: string, amount: bigint): Promise<void> {
  const balance = await provider.getBalance(to);
  if (balance >= amount) return;
  const accounts: string[] = await provider.send("eth_accounts", []);
  if (accounts.length === 0) {
    throw new UserError("dev mode needs a development chain with an unlocked prefunded account (anvil, geth --dev); this chain has none");
  }
  const funder = await provider.getSigner(accounts[0]);
  await mined(`funding ${to} from the dev chain's account ${accounts[0]}`, () => funder.sendTransaction({ to, value: amount - balance }));
}

/** The joining node takes its stipend from the join key, unless it already holds half of it. */
export async function takeStipend(joinKey: Wallet, to: string, stipend: bigint): Promise<boolean> {
  const provider = joinKey.provider!;
  if ((await provider.getBalance(to)) >= stipend / 2n) return false;
  const budget = await provider.getBalance(joinKey.address);
  if (budget < stipend + 10n ** 15n) {
    throw new UserError(
      `the cluster's join budget is exhausted (${formatEther(budget)} ETH left at ${joinKey.address}); ` +
        `a member can refill it with \`edge-agent cluster fund\``,
    );
  }
  await mined("taking the join stipend", () => joinKey.sendTransaction({ to, value: stipend }));
  return true;
}

/** Moves `amount` wei from this node to the join key, the budget new members draw their stipend from. */
export function fundJoinKey(wallet: Wallet, joinKey: string, amount: bigint): Promise<TransactionReceipt> {
  return mined(`funding the join key ${joinKey}`, () => wallet.sendTransaction({ to: joinKey, value: amount }));
}
