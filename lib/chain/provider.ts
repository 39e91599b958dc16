// Connects to the first answering JSON-RPC endpoint, with a timeout per request and a fixed network (no re-detection).
import { FetchRequest, JsonRpcProvider, Network } from "ethers";
import { UserError, messageOf } from "../errors";

export type ChainConnection = {
  provider: JsonRpcProvider;
  url: string;
  chainId: bigint;
  /** In light mode: the verifying client behind `provider` (verified head, endpoint in use, rejections). */
  light?: import("../light/client").LightClient;
};

/** First endpoint of `urls` that answers (and serves `expectChainId`, when given). */
export async function connectChain(urls: string[], timeoutMs: number, expectChainId?: bigint): Promise<ChainConnection> {
  const failures: string[] = [];
  for (const url of urls) {
    try {
      const chainId = await probeChainId(url, timeoutMs);
      if (expectChainId !== undefined && chainId !== expectChainId) {
        failures.push(`${url} (serves chain ${chainId}, not ${expectChainId})`);
        continue;
      }
      const request = new FetchRequest(url);
      request.timeout = timeoutMs;
      const provider = new JsonRpcProvider(request, Network.from(chainId), { staticNetwork: true, pollingInterval: 250, cacheTimeout: -1 });
      return { provider, url, chainId };
    } catch (err) {
      failures.push(`${url} (${describeFetchError(err, timeoutMs)})`);
    }
  }
  throw new UserError(`cannot reach the chain: ${failures.join("; ")}`);
}

async function probeChainId(url: string, timeoutMs: number): Promise<bigint> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { result?: string; error?: { message: string } };
  if (typeof body.result !== "string") throw new Error(body.error?.message ?? "not a JSON-RPC endpoint");
  return BigInt(body.result);
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const text = messageOf(err);
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return `no answer within ${timeoutMs} ms`;
  if (/ECONNREFUSED|Unable to connect|ConnectionRefused/i.test(text)) return "connection refused";
  if (/ENOTFOUND|getaddrinfo|DNS/i.test(text)) return "host not found";
  if (/JSON/i.test(text)) return "not a JSON-RPC endpoint";
  return text;
}
