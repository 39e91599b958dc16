// Device and app credentials. A device's secret is 32 random bytes shown once; only sha256(salt || secret) is kept
// (on chain, so every agent can check a login). A fast hash suffices: the secret has 256 bits of entropy, so there
// is nothing to brute-force, and a login check must stay cheap under a flood of connects.
// An app's password is derived, never stored: HMAC-SHA256(node key, "edge-agent mqtt app " + name).
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type Credential = { secret: string; salt: string; hash: string };

export const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/;
export const APP_USER_PREFIX = "app:";

export function newCredential(): Credential {
  const secret = randomBytes(32).toString("base64url");
  const salt = `0x${randomBytes(16).toString("hex")}`;
  return { secret, salt, hash: credentialHash(salt, secret) };
}

export function credentialHash(salt: string, secret: string): string {
  const digest = createHash("sha256").update(Buffer.from(salt.slice(2), "hex")).update(secret, "utf8").digest("hex");
  return `0x${digest}`;
}

export function credentialMatches(record: { credentialSalt: string; credentialHash: string }, secret: string): boolean {
  const expected = Buffer.from(record.credentialHash.slice(2), "hex");
  const actual = Buffer.from(credentialHash(record.credentialSalt, secret).slice(2), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function appPassword(nodePrivateKey: string, app: string): string {
  return createHmac("sha256", Buffer.from(nodePrivateKey.replace(/^0x/, ""), "hex")).update(`edge-agent mqtt app ${app}`).digest("base64url");
}

export function appPasswordMatches(nodePrivateKey: string, app: string, password: string): boolean {
  const expected = Buffer.from(appPassword(nodePrivateKey, app));
  const actual = Buffer.from(password);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
