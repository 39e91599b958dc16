// Attacks past every binding and CLI check: a raw transaction with its own gas limit (so no gas estimate refuses it
// first), mined, and the custom error it reverted with replayed from the state it ran on.
import { isError, type Interface, type Signer } from "ethers";

/** Sends `data` to `to` from `signer`; answers "Name(arg, …)" of the error it reverted with, or "mined" if it did not. */
export async function sendPastChecks(signer: Signer, to: string, data: string, errors: Interface[]): Promise<string> {
  const tx = await signer.sendTransaction({ to, data, gasLimit: 1_000_000n });
  let receipt;
  try {
    receipt = await tx.wait();
  } catch (err) {
    if (!isError(err, "CALL_EXCEPTION") || !err.receipt) throw err;
    receipt = err.receipt;
  }
  if (!receipt) throw new Error("no receipt");
  if (receipt.status === 1) return "mined";
  try {
    await signer.provider!.call({ from: tx.from, to, data, blockTag: receipt.blockNumber - 1 });
  } catch (err) {
    const raw = (err as { data?: string }).data;
    for (const iface of errors) {
      const parsed = raw ? iface.parseError(raw) : null;
      if (parsed) return `${parsed.name}(${[...parsed.args].join(", ")})`;
    }
    throw err;
  }
  throw new Error("reverted when mined but not when replayed on the block before");
}
