// Host counters read synchronously from /proc and /sys (systeminformation's own readers spawn `cat`): CPU, packets, temperature, disk.
import { existsSync, readdirSync, readFileSync, statfsSync } from "node:fs";
import { dirname } from "node:path";

const MB = 1024 * 1024;

/** Aggregate CPU jiffies from /proc/stat's first line, and how many CPUs it lists. */
export type CpuTimes = { busy: number; total: number; cores: number };

export function readCpuTimes(): CpuTimes {
  const text = readFileSync("/proc/stat", "latin1");
  const fields = text.slice(0, text.indexOf("\n")).trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const idleAll = idle + iowait;
  const total = user + nice + system + idleAll + irq + softirq + steal;
  return { busy: total - idleAll, total, cores: text.match(/^cpu\d+ /gm)?.length ?? 1 };
}

/** Packets received and sent so far on the physical interfaces (all but loopback when there is none). */
export type NetCounters = { rx: number; tx: number };

const physical = new Map<string, boolean>();
function isPhysical(name: string): boolean {
  if (physical.size > 512) physical.clear(); // veth names come and go with containers
  let known = physical.get(name);
  if (known === undefined) physical.set(name, (known = existsSync(`/sys/class/net/${name}/device`)));
  return known;
}

export function readNetCounters(): NetCounters {
  const all = { rx: 0, tx: 0 };
  const real = { rx: 0, tx: 0, seen: false };
  for (const line of readFileSync("/proc/net/dev", "latin1").split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    const rx = Number(fields[1]), tx = Number(fields[9]); // receive packets, transmit packets
    if (name !== "lo") {
      all.rx += rx;
      all.tx += tx;
    }
    if (isPhysical(name)) {
      real.rx += rx;
      real.tx += tx;
      real.seen = true;
    }
  }
  return real.seen ? { rx: real.rx, tx: real.tx } : all;
}

/** The temp files of /sys/class/thermal/thermal_zone*; empty when the machine exposes none. */
export function thermalZoneFiles(): string[] {
  const base = "/sys/class/thermal";
  try {
    return readdirSync(base).filter((d) => d.startsWith("thermal_zone")).map((d) => `${base}/${d}/temp`).filter((f) => existsSync(f));
  } catch {
    return [];
  }
}

/** The hottest readable zone in °C, or null. */
export function readTemperature(files: string[]): number | null {
  let hottest: number | null = null;
  for (const file of files) {
    try {
      const celsius = Number(readFileSync(file, "latin1")) / 1000;
      if (Number.isFinite(celsius) && (hottest === null || celsius > hottest)) hottest = celsius;
    } catch {
      // some zones answer EIO or ENODATA while their sensor sleeps
    }
  }
  return hottest;
}

/** Usage of the filesystem holding `dir` (or its nearest existing parent), in MB and as df's Use%. */
export function readDisk(dir: string): { usedMB: number; totalMB: number; percent: number } {
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const fs = statfsSync(at);
  const total = fs.blocks * fs.bsize;
  const used = (fs.blocks - fs.bfree) * fs.bsize;
  const usable = used + fs.bavail * fs.bsize; // blocks reserved for root are not offered to users
  return { usedMB: used / MB, totalMB: total / MB, percent: usable > 0 ? (used / usable) * 100 : 0 };
}
