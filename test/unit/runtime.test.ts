// The daemon's module runtime: start order and reverse stop, a failed start unwinding, the health of every module
// feeding one answer; a module loop's stuck rules; the one chain client shared by concurrent callers and retried.
import { describe, expect, test } from "bun:test";
import { ChainHandle } from "../../lib/agent/chain-handle";
import type { AgentContext } from "../../lib/agent/context";
import { Loop } from "../../lib/agent/loop";
import { Runner, type Module } from "../../lib/agent/runtime";
import type { ClusterClient } from "../../lib/cluster/client";

const ctx = {} as AgentContext;

function module(name: string, events: string[], o: { failStart?: boolean; stuck?: () => string | null } = {}): Module {
  return {
    name,
    start: async () => {
      if (o.failStart) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
    },
    stop: () => void events.push(`stop ${name}`),
    health: () => o.stuck?.() ?? null,
  };
}

describe("Runner", () => {
  test("starts modules in order and stops them in reverse", async () => {
    const events: string[] = [];
    const runner = new Runner([module("geth", events), module("sync", events), module("api", events)], () => {});
    await runner.start(ctx);
    await runner.stop();
    expect(events).toEqual(["start geth", "start sync", "start api", "stop api", "stop sync", "stop geth"]);
  });

  test("a module that fails to start stops those already started, and the error goes up", async () => {
    const events: string[] = [];
    const logs: string[] = [];
    const runner = new Runner([module("geth", events), module("sync", events, { failStart: true }), module("api", events)], (l) => logs.push(l));
    await expect(runner.start(ctx)).rejects.toThrow("sync cannot start");
    await Bun.sleep(0);
    expect(events).toEqual(["start geth", "stop geth"]);
    expect(logs).toEqual(["module sync failed to start: sync cannot start"]);
  });

  test("the daemon is stuck when any started module is, named by that module", async () => {
    let why: string | null = null;
    const runner = new Runner([module("sync", []), module("reconcile", [], { stuck: () => why })], () => {});
    await runner.start(ctx);
    expect(runner.stuck()).toBeNull();
    why = "one run has taken 700 s (limit 600 s)";
    expect(runner.stuck()).toBe("reconcile: one run has taken 700 s (limit 600 s)");
  });

  test("reload hands the new config to each module that takes one and collects what changed", async () => {
    const withReload = (name: string, answer: string | undefined): Module => ({ ...module(name, []), reload: () => answer });
    const runner = new Runner([withReload("reconcile", undefined), module("sync", []), withReload("monitor", "2 rule(s): a, b")], () => {});
    await runner.start(ctx);
    expect(runner.reload({} as never)).toEqual(["2 rule(s): a, b"]);
  });
});

describe("Loop", () => {
  test("stuck when one run takes longer than its limit, healthy again when it ends", async () => {
    let now = 0;
    let release!: () => void;
    const loop = new Loop({ everyMs: 1000, limitMs: 5000, log: () => {}, now: () => now, run: () => new Promise<void>((r) => (release = r)) });
    loop.start();
    await Bun.sleep(0);
    now = 5000;
    expect(loop.health(now)).toBeNull();
    now = 5001;
    expect(loop.health(now)).toBe("one run has taken 5 s (limit 5 s)");
    release();
    await Bun.sleep(0);
    expect(loop.health(now)).toBeNull();
    const stopping = loop.stop();
    release();
    await stopping;
  });

  test("wake-ups during a run collapse into one more run; a failing run is logged and the loop goes on", async () => {
    let runs = 0;
    const logs: string[] = [];
    let gate!: () => void;
    const loop = new Loop({
      everyMs: 60_000, limitMs: 60_000, log: (l) => logs.push(l),
      run: async () => {
        runs++;
        if (runs === 1) await new Promise<void>((r) => (gate = r));
        if (runs === 2) throw new Error("chain gone\nstack…");
      },
    });
    loop.start();
    await Bun.sleep(0);
    loop.wake();
    loop.wake();
    loop.wake();
    gate();
    await Bun.sleep(10);
    expect(runs).toBe(2);
    expect(logs).toEqual(["failed: chain gone"]);
    loop.wake();
    await Bun.sleep(10);
    expect(runs).toBe(3);
    await loop.stop();
  });
});

describe("ChainHandle", () => {
  const client = (id: number) => ({ id, destroy() {} }) as unknown as ClusterClient & { id: number };

  test("two callers while the open is under way share one client (one provider, one transaction queue)", async () => {
    let opens = 0;
    const handle = new ChainHandle(async () => (await Bun.sleep(5), client(++opens)));
    const [a, b] = await Promise.all([handle.get(), handle.get()]);
    expect(a).toBe(b);
    expect(opens).toBe(1);
    expect(handle.ready()).toBe(a);
    expect(await handle.get()).toBe(a);
  });

  test("a failed open is retried by the next caller", async () => {
    let opens = 0;
    const handle = new ChainHandle(async () => {
      opens++;
      if (opens === 1) throw new Error("cannot reach the chain");
      return client(opens);
    });
    await expect(handle.get()).rejects.toThrow("cannot reach the chain");
    await Bun.sleep(0);
    expect(handle.ready()).toBeUndefined();
    expect(((await handle.get()) as unknown as { id: number }).id).toBe(2);
  });

  test("after close, no new client is opened", async () => {
    const handle = new ChainHandle(async () => client(1));
    handle.close();
    await expect(handle.get()).rejects.toThrow("stopping");
  });
});
