// The daemon's decisions as pure functions of a cluster view: the solver ranking and the turn order of candidates,
// claim grace timers, report dedupe, and what a node desires (assigned plus solving).
import { describe, expect, test } from "bun:test";
import type { AppSpec } from "../../lib/apps/types";
import { appIdOf, type AppRecord, type MemberRecord, type Migration } from "../../lib/chain";
import { ClaimTimers } from "../../lib/agent/modules/claims";
import { ReportLedger } from "../../lib/agent/modules/reports";
import { desiredReplicas } from "../../lib/agent/modules/sync";
import { placementNodes } from "../../lib/placement/plan";
import type { PlacementNode } from "../../lib/placement/rule";
import { isTurnOf, rankSolvers } from "../../lib/workflow/candidates";
import { reputationScores, type Score } from "../../lib/workflow/reputation";
import type { ClusterView } from "../../lib/workflow/view";
import { modeOf, solvingReplicas } from "../../lib/workflow/workflow";

const A = "0x00000000000000000000000000000000000000A1";
const B = "0x00000000000000000000000000000000000000b2";
const C = "0x00000000000000000000000000000000000000C3";
const D = "0x00000000000000000000000000000000000000d4";
const FROM = "0x00000000000000000000000000000000000000F5";
const WEB_ID = appIdOf("web");
const SPEC: AppSpec = { image: "nginx:alpine", replicas: 2, ports: [{ host: 8080, container: 80, protocol: "tcp" }], env: {}, cpuMilli: 500, memoryMB: 256, selector: { zone: "barn" }, spread: false, everyNode: false, pin: null };

const app = (holders: Array<string | null>, spec: Partial<AppSpec> = {}, name = "web"): AppRecord => ({
  id: appIdOf(name), name, updatedBy: FROM, version: 1, updatedAt: 1, spec: { ...SPEC, ...spec, replicas: holders.length },
  replicas: holders.map((node, replica) => ({ replica, node, state: node ? "running" : "pending", version: 1, since: 1, reason: "" })),
});
const member = (address: string, o: { alive?: boolean; labels?: Record<string, string>; memoryMB?: number; rac?: number } = {}): MemberRecord => ({
  address, name: address.slice(-2), specs: { arch: "arm64", cpuCores: 4, cpuMHz: 1500, memoryMB: o.memoryMB ?? 4096, diskMB: 32_000 }, labels: o.labels ?? { zone: "barn" },
  endpoints: [], joinedAt: 1, updatedAt: 1, lastSeen: 100, alive: o.alive ?? true,
  outcomes: { confirmed: 0, timedOut: 0, failedAfterMigration: 0, evictions: 0, rac: o.rac ?? 5, racAt: o.rac === undefined ? 0 : 1 },
});
const view = (members: MemberRecord[], apps: AppRecord[], open: Migration[] = [], block = 100): ClusterView => ({
  block, timestamp: 1000, members, apps, nodes: placementNodes(members), scores: reputationScores(members), open, solverBlocks: 3,
});
const migration = (over: Partial<Migration>): Migration => ({
  id: 0, appId: WEB_ID, replica: 0, kind: "overload", phase: "open", from: FROM, filer: FROM, designated: A, solver: null,
  filedAt: 90, designatedUntil: 93, deadline: 150, closedAt: null, reason: "rule", ...over,
});

describe("rankSolvers", () => {
  const pnode = (address: string, labels: Record<string, string> = { zone: "barn" }, memoryMB = 4096): PlacementNode => ({ address, labels, cpuMilli: 4000, memoryMB });
  const score = (s: number): Score => ({ score: s, z: 0, m: 10, p: s, f: 1 });
  const rank = (a: AppRecord, nodes: PlacementNode[], scores: Record<string, number>, alive: Record<string, boolean> = {}) =>
    rankSolvers({ apps: [a], nodes, members: nodes.map((n) => ({ address: n.address, alive: alive[n.address] ?? true })), scores: new Map(Object.entries(scores).map(([k, v]) => [k, score(v)])) }, a, 0, FROM);

  test("among equally able candidates the higher reputation ranks first", () => {
    const a = app([FROM, null], { spread: true });
    const nodes = [pnode(FROM), pnode(A), pnode(B)];
    expect(rank(a, nodes, { [A]: 3, [B]: 7 })).toEqual([B, A]);
    expect(rank(a, nodes, { [A]: 7, [B]: 3 })).toEqual([A, B]);
    // With equal scores the order is still a total, deterministic one.
    expect(rank(a, nodes, { [A]: 5, [B]: 5 })).toEqual(rank(a, [...nodes].reverse(), { [A]: 5, [B]: 5 }));
  });

  test("a node holding more replicas of the app ranks after one holding fewer, whatever its reputation", () => {
    const a = app([FROM, C, C, null], { ports: [] });
    const nodes = [pnode(FROM), pnode(C), pnode(D)];
    expect(rank(a, nodes, { [C]: 10, [D]: 0.5 })).toEqual([D, C]);
    const b = app([FROM, C, D, D], { ports: [] });
    expect(rank(b, nodes, { [C]: 1, [D]: 9 })).toEqual([C, D]);
  });

  test("dead, ineligible and the applicant's own node are excluded", () => {
    const a = app([FROM, null], { spread: true });
    const nodes = [pnode(FROM), pnode(A), pnode(B, { zone: "field" }), pnode(C, { zone: "barn" }, 100), pnode(D)];
    expect(rank(a, nodes, { [FROM]: 10, [A]: 1, [B]: 9, [C]: 9, [D]: 9 }, { [D]: false })).toEqual([A]);
    expect(rank(a, nodes, { [A]: 1, [D]: 9 })).toEqual([D, A]);
    expect(rank(a, nodes, {}, { [A]: false, [D]: false })).toEqual([]);
  });
});

describe("solver turn order", () => {
  const members = [member(FROM), member(A, { rac: 9 }), member(B, { rac: 7 }), member(C, { rac: 3 })];
  const apps = [app([FROM, null], { spread: true })];

  test("the designated solver alone until designatedUntil; then each next candidate solverBlocks after the one before", () => {
    const e = migration({ designated: A, designatedUntil: 93 });
    const order = rankSolvers(view(members, apps), apps[0]!, 0, FROM).filter((x) => x !== A);
    expect(order).toEqual([B, C]); // reputation order among the others
    const turns = (block: number) => [A, B, C, FROM].filter((me) => isTurnOf(me, view(members, apps, [e], block), e, apps[0]!));
    expect(turns(92)).toEqual([A]);
    expect(turns(93)).toEqual([A]);
    expect(turns(94)).toEqual([A, B]); // B's turn: block > designatedUntil + 0 × solverBlocks
    expect(turns(96)).toEqual([A, B]);
    expect(turns(97)).toEqual([A, B, C]); // C: block > designatedUntil + 1 × 3
    expect(turns(150)).toEqual([]); // at the deadline nobody may take it any more
  });

  test("a solver runs the replica (desired) while it is its turn; the applicant keeps its copy meanwhile", () => {
    const e = migration({ designated: A });
    const v = view(members, [app([FROM, null], { spread: true })], [e], 92);
    expect(solvingReplicas(v, A).map((s) => [s.app, s.replica, s.migration])).toEqual([["web", 0, 0]]);
    expect(modeOf(v, A)).toBe("solver");
    expect(modeOf(v, FROM)).toBe("applicant");
    expect(modeOf(v, B)).toBe("regular");
    expect(desiredReplicas(v, A).map((d) => d.replica)).toEqual([0]);
    expect(desiredReplicas(v, FROM).map((d) => d.replica)).toEqual([0]);
    expect(desiredReplicas(v, B)).toEqual([]);
  });

  test("a node that is no longer a member desires nothing", () => {
    const v = view([member(A)], [app([FROM, null])]);
    expect(desiredReplicas(v, FROM)).toEqual([]);
  });
});

describe("claim grace timers", () => {
  const members = [member(A), member(B)];

  test("a node claims what the plan gives it at once, and another's share only after the grace", () => {
    const a = app([null, null], { spread: true });
    const timers = { a: new ClaimTimers(5000), b: new ClaimTimers(5000) };
    const v = view(members, [a]);
    const mine = (t: ClaimTimers, me: string, now: number) => t.due(v, me, now).flatMap((c) => ("replicas" in c ? c.replicas : []));
    const planA = mine(timers.a, A, 0);
    const planB = mine(timers.b, B, 0);
    expect([...planA, ...planB].sort()).toEqual([0, 1]); // the plan splits the two replicas (spread)
    expect(planA).toHaveLength(1);
    // Nobody claimed: A's timer for B's replica runs out after the grace, and A takes one more (spread: it already
    // holds none on chain yet, so it is eligible).
    expect(mine(timers.a, A, 4999)).toEqual(planA);
    expect(mine(timers.a, A, 5000).sort()).toEqual([0, 1]);
  });

  test("an ineligible node never claims after the grace; a replica that got a node resets its timer", () => {
    const small = [member(A, { memoryMB: 100 }), member(B)];
    const lone = new ClaimTimers(1000);
    expect(lone.due(view(small, [app([null])]), A, 0)).toEqual([]); // the plan gives it to B
    expect(lone.due(view(small, [app([null])]), A, 5000)).toEqual([]); // A lacks the memory: not even after the grace

    const pending = view(members, [app([null])]);
    const winner = [A, B].find((me) => new ClaimTimers(1000).due(pending, me, 0).length > 0)!;
    const other = winner === A ? B : A;
    const timers = new ClaimTimers(1000);
    const claims = (v: ClusterView, now: number) => timers.due(v, other, now).flatMap((c) => ("replicas" in c ? c.replicas : []));
    expect(claims(pending, 0)).toEqual([]);
    expect(claims(view(members, [app([winner])]), 500)).toEqual([]); // the winner took it: the timer is dropped
    expect(claims(pending, 1200)).toEqual([]); // pending again: the timer starts afresh
    expect(claims(pending, 2199)).toEqual([]);
    expect(claims(pending, 2200)).toEqual([0]);
  });
});

describe("report dedupe", () => {
  const status = (state: "running" | "failed" | "starting", reason = "") => ({ appId: WEB_ID, app: "web", replica: 0, version: 1, state, reason });

  test("reports what differs from the chain, once until a view at or after its block shows otherwise", () => {
    const ledger = new ReportLedger();
    const pending = app([A]);
    pending.replicas[0]!.state = "pending";
    const v100 = view([member(A)], [pending], [], 100);
    const due = ledger.due([status("running")], v100, A);
    expect(due).toEqual([{ appId: WEB_ID, app: "web", replica: 0, state: "running", version: 1, reason: "" }]);
    ledger.recordSent(due[0]!, 101);
    expect(ledger.due([status("running")], v100, A)).toEqual([]); // a stale view (block 100 < 101) cannot show it
    expect(ledger.due([status("running")], view([member(A)], [app([A])], [], 101), A)).toEqual([]); // the chain has it
    // At a later block the chain still says pending (something reassigned it): report again.
    expect(ledger.due([status("running")], view([member(A)], [pending], [], 102), A)).toHaveLength(1);
  });

  test("starting is never reported, nor replicas not assigned to this node; reasons are cut to 200 characters", () => {
    const ledger = new ReportLedger();
    expect(ledger.due([status("starting")], view([member(A)], [app([A])]), A)).toEqual([]);
    expect(ledger.due([status("failed", "x")], view([member(A)], [app([B])]), A)).toEqual([]);
    const [r] = ledger.due([status("failed", "y".repeat(300))], view([member(A)], [app([A])]), A);
    expect(r!.reason).toHaveLength(200);
  });
});
