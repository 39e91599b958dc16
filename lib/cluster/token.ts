// The join token: chain id, registry address, RPC endpoints and the join key, as one checksummed copy-paste string.
// A full-mode cluster's token also carries its chain: the genesis hash (the root of trust), the parameters the genesis
// is rebuilt from, members' enodes to peer with, and whether full members become signers.
//   edge1.<base64url(JSON payload)>.<base64url(first 6 bytes of sha256(payload))>
import { createHash } from "node:crypto";
import { getAddress, isHexString } from "ethers";
import { z } from "zod";
import { UserError } from "../errors";
import type { GenesisSpec } from "../geth/genesis";

export type JoinToken = {
  chainId: bigint;
  registry: string;
  endpoints: string[];
  joinKey: string;
  /** Hash of block 0; "" for a dev chain. */
  genesisHash: string;
  /** Full-mode clusters: how to rebuild the genesis, whom to peer with, whether full members seal. */
  chain?: { genesis: GenesisSpec; enodes: string[]; fullNodesSeal: boolean };
};

const PREFIX = "edge1";

const payloadSchema = z.strictObject({
  v: z.literal(1),
  chain: z.string().regex(/^\d+$/),
  registry: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  rpc: z.array(z.string().url()),
  key: z.string().refine((k) => isHexString(k, 32)),
  genesis_hash: z.string().regex(/^0x[0-9a-fA-F]{64}$/).optional(),
  geth: z.strictObject({
    genesis: z.strictObject({
      period: z.number().int().min(0),
      epoch: z.number().int().min(1),
      signer: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      time: z.number().int().min(0),
      gas: z.string().regex(/^\d+$/),
      alloc: z.array(z.tuple([z.string().regex(/^0x[0-9a-fA-F]{40}$/), z.string().regex(/^\d+$/)])),
    }),
    enodes: z.array(z.string().startsWith("enode://")),
    seal: z.boolean(),
  }).optional(),
});

export function encodeJoinToken(token: JoinToken): string {
  const payload = JSON.stringify({
    v: 1, chain: token.chainId.toString(), registry: token.registry, rpc: token.endpoints, key: token.joinKey,
    ...(token.genesisHash ? { genesis_hash: token.genesisHash } : {}),
    ...(token.chain ? { geth: { genesis: token.chain.genesis, enodes: token.chain.enodes, seal: token.chain.fullNodesSeal } } : {}),
  });
  const body = Buffer.from(payload).toString("base64url");
  return `${PREFIX}.${body}.${checksum(payload)}`;
}

export function decodeJoinToken(text: string): JoinToken {
  const parts = text.trim().split(".");
  if (parts[0] !== PREFIX || parts.length !== 3) {
    throw new UserError(`not an edge-agent join token: it should start with "${PREFIX}." and have three dot-separated parts`);
  }
  const payload = Buffer.from(parts[1]!, "base64url").toString("utf8");
  if (checksum(payload) !== parts[2]) {
    throw new UserError("the join token is corrupt (checksum mismatch): copy it again from `edge-agent cluster create` or `cluster token`");
  }
  let parsed;
  try {
    parsed = payloadSchema.parse(JSON.parse(payload));
  } catch {
    throw new UserError("the join token is corrupt (its payload is not a valid token)");
  }
  return {
    chainId: BigInt(parsed.chain), registry: getAddress(parsed.registry), endpoints: parsed.rpc, joinKey: parsed.key,
    genesisHash: parsed.genesis_hash ?? "",
    ...(parsed.geth ? { chain: { genesis: parsed.geth.genesis, enodes: parsed.geth.enodes, fullNodesSeal: parsed.geth.seal } } : {}),
  };
}

function checksum(payload: string): string {
  return createHash("sha256").update(payload).digest().subarray(0, 6).toString("base64url");
}
