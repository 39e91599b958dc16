// Clique (EIP-225) signer-set tracking, following geth v1.13.15's consensus/clique/snapshot.go: every header must be
// sealed by a current signer that has not sealed one of the last floor(N/2) blocks, with difficulty 2 in turn and 1
// out of turn; coinbase + nonce cast votes (0xff..ff add, 0x00..00 drop), a majority applies, checkpoints reset the
// votes and list the signer set in extraData.
import { cliqueEpochTransitionSigners, cliqueSigner, type BlockHeader } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import { CLIQUE_EPOCH } from "./header";
import { VerificationError } from "./errors";

type Vote = { signer: string; block: string; address: string; authorize: boolean };
export type Snapshot = {
  number: string; // block the snapshot is valid after (decimal)
  hash: string;
  signers: string[]; // sorted ascending, lower-case
  recents: Record<string, string>; // block number -> signer
  votes: Vote[];
  tally: Record<string, { authorize: boolean; votes: number }>;
};

const NONCE_AUTH = "0xffffffffffffffff";
const NONCE_DROP = "0x0000000000000000";
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";
/** Headers stamped further ahead of our clock than this are refused (geth allows none; clocks on Pis drift). */
const FUTURE_SLACK_S = 15n;

/** The snapshot at the genesis block: its extraData lists the first signers. */
export function genesisSnapshot(genesis: BlockHeader): Snapshot {
  const signers = cliqueEpochTransitionSigners(genesis).map((a) => a.toString().toLowerCase()).sort();
  if (signers.length === 0) throw new VerificationError("the genesis block lists no Clique signers");
  return { number: "0", hash: bytesToHex(genesis.hash()), signers, recents: {}, votes: [], tally: {} };
}

/** Checks `header` as the child of `parent` under `snap` and returns the snapshot after it (`snap` is not changed). */
export function applyHeader(snap: Snapshot, parent: BlockHeader, header: BlockHeader): Snapshot {
  const number = header.number;
  const where = `block ${number}`;
  if (number !== parent.number + 1n) throw new VerificationError(`${where} does not follow block ${parent.number}`);
  if (bytesToHex(header.parentHash) !== bytesToHex(parent.hash())) throw new VerificationError(`${where}: parent hash ${bytesToHex(header.parentHash)} is not the verified block ${parent.number}`);
  if (header.timestamp < parent.timestamp) throw new VerificationError(`${where}: timestamp before its parent's`);
  if (header.timestamp > BigInt(Math.floor(Date.now() / 1000)) + FUTURE_SLACK_S) throw new VerificationError(`${where}: timestamp in the future`);
  if (bytesToHex(header.uncleHash) !== EMPTY_UNCLES) throw new VerificationError(`${where}: has uncles`);
  const nonce = bytesToHex(header.nonce);
  if (nonce !== NONCE_AUTH && nonce !== NONCE_DROP) throw new VerificationError(`${where}: nonce ${nonce} is not a Clique vote`);
  const coinbase = header.coinbase.toString().toLowerCase();
  const checkpoint = number % CLIQUE_EPOCH === 0n;
  if (checkpoint && (coinbase !== ZERO_ADDRESS || nonce !== NONCE_DROP)) throw new VerificationError(`${where}: a checkpoint cannot vote`);

  const next: Snapshot = structuredClone(snap);
  next.number = number.toString();
  next.hash = bytesToHex(header.hash());
  if (checkpoint) {
    next.votes = [];
    next.tally = {};
  }
  const limit = BigInt(Math.floor(next.signers.length / 2) + 1);
  if (number >= limit) delete next.recents[(number - limit).toString()];

  let signer: string;
  try {
    signer = cliqueSigner(header).toString().toLowerCase();
  } catch (err) {
    throw new VerificationError(`${where}: seal does not recover a signer (${(err as Error).message})`);
  }
  if (!next.signers.includes(signer)) throw new VerificationError(`${where}: sealed by ${signer}, not a signer`);
  if (Object.values(next.recents).includes(signer)) throw new VerificationError(`${where}: ${signer} sealed one of the last ${limit - 1n} blocks`);
  const inTurn = number % BigInt(next.signers.length) === BigInt(next.signers.indexOf(signer));
  const wantDifficulty = inTurn ? 2n : 1n;
  if (header.difficulty !== wantDifficulty) throw new VerificationError(`${where}: difficulty ${header.difficulty}, expected ${wantDifficulty} (${inTurn ? "in" : "out of"} turn)`);
  next.recents[number.toString()] = signer;

  if (checkpoint) {
    const listed = cliqueEpochTransitionSigners(header).map((a) => a.toString().toLowerCase()).sort();
    if (listed.join() !== next.signers.join()) throw new VerificationError(`${where}: checkpoint lists signers ${listed.join(", ")}, expected ${next.signers.join(", ")}`);
    return next;
  }

  // A signer's new vote on an address replaces its earlier one.
  const earlier = next.votes.findIndex((v) => v.signer === signer && v.address === coinbase);
  if (earlier >= 0) {
    uncast(next, coinbase, next.votes[earlier]!.authorize);
    next.votes.splice(earlier, 1);
  }
  const authorize = nonce === NONCE_AUTH;
  if (cast(next, coinbase, authorize)) next.votes.push({ signer, block: number.toString(), address: coinbase, authorize });

  const tally = next.tally[coinbase];
  if (tally && tally.votes > next.signers.length / 2) {
    if (tally.authorize) {
      next.signers = [...next.signers, coinbase].sort();
    } else {
      next.signers = next.signers.filter((s) => s !== coinbase);
      const shrunk = BigInt(Math.floor(next.signers.length / 2) + 1);
      if (number >= shrunk) delete next.recents[(number - shrunk).toString()];
      for (let i = 0; i < next.votes.length; i++) {
        if (next.votes[i]!.signer === coinbase) {
          uncast(next, next.votes[i]!.address, next.votes[i]!.authorize);
          next.votes.splice(i--, 1);
        }
      }
    }
    next.votes = next.votes.filter((v) => v.address !== coinbase);
    delete next.tally[coinbase];
  }
  return next;
}

function cast(snap: Snapshot, address: string, authorize: boolean): boolean {
  if (snap.signers.includes(address) === authorize) return false; // adding a signer or dropping a non-signer means nothing
  const tally = snap.tally[address];
  if (tally) tally.votes++;
  else snap.tally[address] = { authorize, votes: 1 };
  return true;
}

function uncast(snap: Snapshot, address: string, authorize: boolean): void {
  const tally = snap.tally[address];
  if (!tally || tally.authorize !== authorize) return;
  if (tally.votes > 1) tally.votes--;
  else delete snap.tally[address];
}
