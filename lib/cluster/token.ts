// The join token: chain id, registry address, RPC endpoints and the join key, as one checksummed copy-paste string.
//   edge1.<base64url(JSON payload)>.<base64url(first 6 bytes of sha256(payload))>
import { createHash } from "node:crypto";
import { getAddress, isHexString } from "ethers";
import { z } from "zod";
import { UserError } from "../errors";

export type JoinToken = { chainId: bigint; registry: string; endpoints: string[]; joinKey: string };

const PREFIX = "edge1";

const payloadSchema = z.strictObject({
  v: z.literal(1),
  chain: z.string().regex(/^\d+$/),
  registry: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  rpc: z.array(z.string().url()),
  key: z.string().refine((k) => isHexString(k, 32)),
});

export function encodeJoinToken(token: JoinToken): string {
  const payload = JSON.stringify({ v: 1, chain: token.chainId.toString(), registry: token.registry, rpc: token.endpoints, key: token.joinKey });
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
  return { chainId: BigInt(parsed.chain), registry: getAddress(parsed.registry), endpoints: parsed.rpc, joinKey: parsed.key };
}

function checksum(payload: string): string {
  return createHash("sha256").update(payload).digest().subarray(0, 6).toString("base64url");
}
