// Pure planning: desired replicas vs observed containers → ordered steps (pulls, removals, creates, starts). A
// container is replaced when its app version or its whole create options (their hash, `configHash`) differ.
import type { DesiredReplica } from "../apps/types";
import { containerName, disambiguatedName } from "./names";
import { byReplicaThenId } from "./observe";
import { replicaKey, type ActualReplica, type Step } from "./types";

type Remove = Extract<Step, { kind: "remove" }>;
type Create = Extract<Step, { kind: "create" }>;
type Wake = Extract<Step, { kind: "start" | "restart" | "unpause" }>;

export function planSteps(desired: DesiredReplica[], actual: ActualReplica[], images: Set<string>, nodeName: string, configHash: (r: DesiredReplica) => string): Step[] {
  const wanted = newestPerKey(desired);
  const names = uniqueNames([...wanted.values()], nodeName);
  const removes: Remove[] = [];
  const pulls = new Set<string>();
  const creates: Create[] = [];
  const wakes: Wake[] = [];

  const kept = new Map<string, ActualReplica>();
  for (const [key, containers] of groupByKey(actual)) {
    const want = wanted.get(key);
    if (!want) {
      for (const c of containers) if (c.state !== "removing") removes.push({ kind: "remove", container: c, reason: "not desired on this node" });
      continue;
    }
    const [keep, ...extras] = containers.sort(preferredFirst(want, names.get(key)!));
    kept.set(key, keep!);
    for (const c of extras) if (c.state !== "removing") removes.push({ kind: "remove", container: c, reason: `duplicate of ${keep!.name}` });
  }

  for (const [key, want] of wanted) {
    const have = kept.get(key);
    if (have?.state === "removing") continue; // the engine is deleting it: act next round, once the name is free
    if (have && have.version !== want.version) {
      removes.push({ kind: "remove", container: have, reason: `version ${have.version} replaced by ${want.version}`, replacement: want });
    } else if (have && have.configHash !== configHash(want)) {
      removes.push({ kind: "remove", container: have, reason: "its settings changed (publish address, environment or options)", replacement: want });
    } else if (have?.state === "dead") removes.push({ kind: "remove", container: have, reason: "container is dead", replacement: want });
    else if (have) {
      const wake = wakeStep(have, want);
      if (wake) wakes.push(wake);
      continue;
    }
    const name = names.get(key)!;
    if (!images.has(want.spec.image)) pulls.add(want.spec.image);
    creates.push({ kind: "create", name, replica: want });
    wakes.push({ kind: "start", containerId: name, replica: want });
  }

  // Pulls go first so that a container is never removed for a version whose image cannot be had.
  return [
    ...[...pulls].sort().map((image): Step => ({ kind: "pull", image })),
    ...removes.sort((a, b) => byReplicaThenId(a.container, b.container)),
    ...creates.sort((a, b) => byDesired(a.replica, b.replica)),
    ...wakes.sort((a, b) => byDesired(a.replica, b.replica)),
  ];
}

/** What an existing container of the right version needs to run again, if anything. */
function wakeStep(have: ActualReplica, want: DesiredReplica): Wake | null {
  if (have.running || have.state === "restarting") return null; // restarting: the engine's restart policy is on it
  if (have.state === "paused") return { kind: "unpause", container: have, replica: want };
  return { kind: "restart", container: have, replica: want }; // created or exited
}

/** One desired replica per (appId, replica); if listed twice, the higher version wins. */
function newestPerKey(desired: DesiredReplica[]): Map<string, DesiredReplica> {
  const byKey = new Map<string, DesiredReplica>();
  for (const d of [...desired].sort(byDesired)) {
    const seen = byKey.get(replicaKey(d));
    if (!seen || d.version > seen.version) byKey.set(replicaKey(d), d);
  }
  return byKey;
}

/** Container name per key; two apps whose names sanitize alike get part of their app id in it. */
function uniqueNames(wanted: DesiredReplica[], nodeName: string): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const d of wanted) {
    let name = containerName(nodeName, d.app, d.replica);
    if (taken.has(name)) name = disambiguatedName(nodeName, d.app, d.replica, d.appId);
    taken.add(name);
    names.set(replicaKey(d), name);
  }
  return names;
}

function groupByKey(actual: ActualReplica[]): Map<string, ActualReplica[]> {
  const groups = new Map<string, ActualReplica[]>();
  for (const a of actual) {
    const key = replicaKey(a);
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return groups;
}

/** Which container of a duplicated replica to keep: not being removed, right version, running, expected name. */
function preferredFirst(want: DesiredReplica, name: string): (a: ActualReplica, b: ActualReplica) => number {
  const score = (c: ActualReplica) =>
    (c.state !== "removing" ? 8 : 0) + (c.version === want.version ? 4 : 0) + (c.running ? 2 : 0) + (c.name === name ? 1 : 0);
  return (a, b) => score(b) - score(a) || byReplicaThenId(a, b);
}

function byDesired(a: DesiredReplica, b: DesiredReplica): number {
  return (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : 0) || a.replica - b.replica || a.version - b.version;
}
