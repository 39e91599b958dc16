// A node key connected to a provider, estimating gas with a margin. A gas estimate runs against the pending state,
// where a storage slot this key already wrote in the same block costs far less to write again (EIP-2200); mined in
// the next block the same write costs the full price and the transaction would run out of gas.
import type { JsonRpcProvider, TransactionRequest, Wallet } from "ethers";

export function connectSigner(wallet: Wallet, provider: JsonRpcProvider): Wallet {
  const signer = wallet.connect(provider);
  const estimate = signer.estimateGas.bind(signer);
  signer.estimateGas = async (tx: TransactionRequest) => ((await estimate(tx)) * 12n) / 10n + 25_000n;
  return signer;
}
