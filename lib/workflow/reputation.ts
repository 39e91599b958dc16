// Reputation score of a member, seed 002's model mapped onto what the chain knows:
//   S = (t1·Z + t2·M + t3·P) · F
//   Z  z-score of contributed resources (CPU cores × GHz + memory GiB) among the members, ×10, clipped to ±10
//   M  activity: 10 while the member shows signs of life within the liveness grace, else 0 (the chain keeps
//      only the last sign of life, not a history of online time)
//   P  rating: the Reputation contract's recent average credit (0..10; 10 per migration confirmed in time,
//      0 per turn let pass or replica failed right after a migration; one-week half-life decay)
//   F  impact factor: 0.5 per eviction, 0.9 per replica failed right after its migration
//   t1, t2, t3 = 0.2, 0.2, 0.6
import type { MemberRecord } from "../chain";

export const WEIGHTS = { t1: 0.2, t2: 0.2, t3: 0.6 } as const;

export type Score = { score: number; z: number; m: number; p: number; f: number };

export function reputationScores(members: MemberRecord[]): Map<string, Score> {
  const contributed = members.map((m) => m.specs.cpuCores * (m.specs.cpuMHz / 1000) + m.specs.memoryMB / 1024);
  const mean = contributed.reduce((a, b) => a + b, 0) / Math.max(1, contributed.length);
  const sd = Math.sqrt(contributed.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, contributed.length));
  return new Map(members.map((member, i) => {
    const r = member.outcomes;
    const z = sd === 0 ? 0 : Math.max(-10, Math.min(10, ((contributed[i]! - mean) / sd) * 10));
    const m = member.alive ? 10 : 0;
    const p = r.rac;
    const f = 0.5 ** r.evictions * 0.9 ** r.failedAfterMigration;
    const score = (WEIGHTS.t1 * z + WEIGHTS.t2 * m + WEIGHTS.t3 * p) * f;
    return [member.address, { score: Math.round(score * 100) / 100, z, m, p, f }];
  }));
}
