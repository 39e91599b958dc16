// EIP-1186 proofs (eth_getProof) checked against a verified header's state root: the account through the state trie,
// each storage slot through the account's storage root, code through the account's code hash.
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bytesToBigInt, bytesToHex, hexToBytes, setLengthLeft } from "@ethereumjs/util";
import { keccak256 } from "ethers";
import { VerificationError } from "./errors";

export type VerifiedAccount = { nonce: bigint; balance: bigint; storageRoot: string; codeHash: string };
export type ProofResponse = {
  address: string; balance: string; nonce: string; codeHash: string; storageHash: string;
  accountProof: string[]; storageProof: Array<{ key: string; value: string; proof: string[] }>;
};

const EMPTY_TRIE_ROOT = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";
const EMPTY_CODE_HASH = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045a85a470";

/** The account `address` in the state with root `stateRoot`; a valid proof of absence gives the empty account. */
export async function verifyAccountProof(stateRoot: string, address: string, proof: ProofResponse): Promise<VerifiedAccount> {
  const value = await proven(stateRoot, hexToBytes(address as `0x${string}`), proof.accountProof, `account ${address}`);
  let account: VerifiedAccount;
  if (value === null) {
    account = { nonce: 0n, balance: 0n, storageRoot: EMPTY_TRIE_ROOT, codeHash: EMPTY_CODE_HASH };
  } else {
    const [nonce, balance, storageRoot, codeHash] = RLP.decode(value) as Uint8Array[];
    account = { nonce: bytesToBigInt(nonce!), balance: bytesToBigInt(balance!), storageRoot: bytesToHex(storageRoot!), codeHash: bytesToHex(codeHash!) };
  }
  // The proven account must also be what the endpoint said in plain fields: a mismatch is a lie, not a detail. (geth
  // reports zero hashes for an account that does not exist.)
  const absentAsGeth = value === null && /^0x0{64}$/.test(proof.codeHash) && /^0x0{64}$/.test(proof.storageHash) && BigInt(proof.nonce) === 0n && BigInt(proof.balance) === 0n;
  if (!absentAsGeth && (BigInt(proof.nonce) !== account.nonce || BigInt(proof.balance) !== account.balance || proof.storageHash.toLowerCase() !== account.storageRoot || proof.codeHash.toLowerCase() !== account.codeHash)) {
    throw new VerificationError(`account ${address}: the fields returned differ from the proven account`);
  }
  return account;
}

/** The value of storage `slot` (32 bytes, hex) under `storageRoot`. */
export async function verifyStorageProof(storageRoot: string, address: string, slot: string, entry: { key: string; value: string; proof: string[] }): Promise<bigint> {
  const key = setLengthLeft(hexToBytes(slot as `0x${string}`), 32);
  if (bytesToBigInt(setLengthLeft(hexToBytes(entry.key as `0x${string}`), 32)) !== bytesToBigInt(key)) {
    throw new VerificationError(`storage ${address}[${slot}]: proof is for another slot ${entry.key}`);
  }
  const value = storageRoot === EMPTY_TRIE_ROOT ? null : await proven(storageRoot, key, entry.proof, `storage ${address}[${slot}]`);
  const proved = value === null ? 0n : bytesToBigInt(RLP.decode(value) as Uint8Array);
  if (BigInt(entry.value) !== proved) throw new VerificationError(`storage ${address}[${slot}]: value ${entry.value} differs from the proven ${proved}`);
  return proved;
}

export function verifyCode(address: string, codeHash: string, code: string): Uint8Array {
  const bytes = hexToBytes(code as `0x${string}`);
  if (keccak256(bytes) !== codeHash) throw new VerificationError(`code of ${address} does not hash to its proven code hash`);
  return bytes;
}

async function proven(root: string, key: Uint8Array, proof: string[], what: string): Promise<Uint8Array | null> {
  try {
    return await verifyMerkleProof(key, proof.map((p) => hexToBytes(p as `0x${string}`)), { root: hexToBytes(root as `0x${string}`), useKeyHashing: true });
  } catch {
    throw new VerificationError(`${what}: the proof does not lead to state root ${root}`);
  }
}
