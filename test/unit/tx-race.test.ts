// The CLI and the daemon sign with the same node key, each with its own nonce: when both send at once, the second
// to reach the node reuses the first one's nonce and the node refuses it ("replacement transaction underpriced").
// `mined` sends again with a fresh nonce, against a real anvil that holds the daemon's transaction pending.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { mined } from "../../lib/chain/tx";
import { startAnvil, type Anvil } from "../support/anvil";

// anvil's first dev account.
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
let anvil: Anvil;
let provider: JsonRpcProvider;

beforeAll(async () => {
  anvil = await startAnvil(["--no-mining"]); // transactions stay pending until the test mines
  provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, pollingInterval: 100 });
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

test("a send that lost a nonce race to another sender of the same key is sent again with the next nonce", async () => {
  const daemon = new Wallet(KEY, provider);
  const cli = new Wallet(KEY, new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, pollingInterval: 100 }));
  const to = Wallet.createRandom().address;
  // Both read the same nonce; the daemon's transaction reaches the node first and waits in its pool.
  const nonce = await provider.getTransactionCount(daemon.address, "pending");
  await daemon.sendTransaction({ to, value: 1n, nonce });
  let attempts = 0;
  const mining = setInterval(() => void provider.send("evm_mine", []).catch(() => {}), 200);
  try {
    const receipt = await mined("sending 1 ETH", () => {
      attempts++;
      return cli.sendTransaction({ to, value: parseEther("1"), ...(attempts === 1 ? { nonce } : {}) });
    });
    expect(receipt.status).toBe(1);
  } finally {
    clearInterval(mining);
  }
  expect(attempts).toBe(2);
  expect(await provider.getBalance(to)).toBe(parseEther("1") + 1n); // both mined: nothing was replaced
});

test("a transaction the node refuses for another reason is not sent again", async () => {
  const wallet = new Wallet(KEY, provider);
  let attempts = 0;
  const err = await mined("sending more ETH than there is", () => {
    attempts++;
    return wallet.sendTransaction({ to: Wallet.createRandom().address, value: parseEther("100000000") });
  }).catch((e: Error) => e);
  expect(String(err)).toContain("sending more ETH than there is failed: the account has not enough ETH to pay for gas");
  expect(attempts).toBe(1);
});
