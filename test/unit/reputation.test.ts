// The reputation score every agent computes from chain data (seed 002's S = (t1·Z + t2·M + t3·P)·F).
import { expect, test } from "bun:test";
import type { MemberRecord } from "../../lib/chain";
import { WEIGHTS, reputationScores } from "../../lib/workflow/reputation";

const member = (address: string, o: Partial<{ cores: number; memoryMB: number; alive: boolean; rac: number; evictions: number; failed: number }> = {}): MemberRecord => ({
  address, name: address, specs: { arch: "arm64", cpuCores: o.cores ?? 4, cpuMHz: 1500, memoryMB: o.memoryMB ?? 4096, diskMB: 1 }, labels: {}, endpoints: [],
  joinedAt: 1, updatedAt: 1, lastSeen: 1, alive: o.alive ?? true,
  outcomes: { confirmed: 0, timedOut: 0, failedAfterMigration: o.failed ?? 0, evictions: o.evictions ?? 0, rac: o.rac ?? 5, racAt: 0 },
});

test("equal members score alike: only activity and rating count (z = 0)", () => {
  const s = reputationScores([member("a"), member("b")]);
  expect(s.get("a")).toEqual({ score: WEIGHTS.t2 * 10 + WEIGHTS.t3 * 5, z: 0, m: 10, p: 5, f: 1 });
  expect(s.get("b")!.score).toBe(s.get("a")!.score);
});

test("contributing more resources raises Z (±10 at most); a lost member has no activity", () => {
  const s = reputationScores([member("big", { cores: 8, memoryMB: 8192 }), member("small", { cores: 1, memoryMB: 1024 }), member("gone", { alive: false })]);
  expect(s.get("big")!.z).toBeGreaterThan(0);
  expect(s.get("small")!.z).toBeLessThan(0);
  for (const x of s.values()) expect(Math.abs(x.z)).toBeLessThanOrEqual(10);
  expect(s.get("gone")!.m).toBe(0);
});

test("evictions halve and failures after a migration cut the score by a tenth each; the rating is the RAC", () => {
  const s = reputationScores([member("a", { evictions: 1, rac: 9 }), member("b", { failed: 2 }), member("c")]);
  expect(s.get("a")!.f).toBe(0.5);
  expect(s.get("a")!.p).toBe(9);
  expect(s.get("b")!.f).toBeCloseTo(0.81, 10);
  expect(s.get("b")!.score).toBeLessThan(s.get("c")!.score);
});
