// Takes one Sample of this node (CPU, memory, disk, temperature, packets, containers) without spawning any process.
import { CgroupReader } from "./cgroup";
import { readCpuTimes, readDisk, readNetCounters, readTemperature, thermalZoneFiles, type CpuTimes, type NetCounters } from "./host";

export type ContainerRef = { id: string; app: string; replica: number };

/** cpuPercent: percent of ONE core, as `docker stats` shows it (a busy thread is ~100 on any machine); 0 in a container's first sample. */
export type ContainerSample = ContainerRef & { cpuPercent: number; memoryMB: number };

export type Sample = {
  at: number; // Date.now() when taken
  cpuPercent: number; // share of all cores, 0..100
  memoryUsedMB: number; // total − available
  memoryTotalMB: number;
  memoryPercent: number;
  diskUsedMB: number; // the filesystem holding data_dir
  diskTotalMB: number;
  diskPercent: number; // like df's Use%
  temperatureC: number | null; // hottest thermal zone
  netRxPacketsPerSec: number; // physical interfaces
  netTxPacketsPerSec: number;
  containers: ContainerSample[];
};

export type Sampler = { sample(): Promise<Sample> };

export type SamplerOptions = {
  dataDir: string;
  /** The containers to report on, with their full ids; those without readable cgroup files are left out. */
  containers?: () => Promise<ContainerRef[]>;
};

const MB = 1024 * 1024;

type Counters = { clock: number; cpu: CpuTimes; net: NetCounters; containerCpu: Map<string, number> };

/**
 * Rates (CPU %, packets/s, container CPU %) are differences to the previous sample (for the first: to this call).
 * Memory comes from systeminformation's mem(), which only reads /proc/meminfo; the rest is read in ./host and ./cgroup
 * because systeminformation's currentLoad(), networkStats() and cpuTemperature() spawn `cat` through a shell on Linux.
 */
export function createSampler(opts: SamplerOptions): Sampler {
  // Loading systeminformation costs ~0.1 s of module init: start it now, but only for processes that sample.
  const systemInformation = import("systeminformation");
  const zones = thermalZoneFiles();
  const cgroups = new CgroupReader();
  let previous: Counters = { clock: performance.now(), cpu: readCpuTimes(), net: readNetCounters(), containerCpu: new Map() };

  return {
    async sample(): Promise<Sample> {
      const refs = opts.containers ? await opts.containers() : [];
      const memory = await (await systemInformation).mem();
      const now: Counters = { clock: performance.now(), cpu: readCpuTimes(), net: readNetCounters(), containerCpu: new Map() };
      const seconds = Math.max((now.clock - previous.clock) / 1000, 1e-6);
      const perSecond = (after: number, before: number) => Math.max(0, after - before) / seconds;

      const containers: ContainerSample[] = [];
      for (const ref of refs) {
        const reading = cgroups.read(ref.id);
        if (!reading) continue;
        now.containerCpu.set(ref.id, reading.cpuMicros);
        const before = previous.containerCpu.get(ref.id);
        const cpuPercent = before === undefined ? 0 : (perSecond(reading.cpuMicros, before) / 1e6) * 100;
        containers.push({ id: ref.id, app: ref.app, replica: ref.replica, cpuPercent, memoryMB: reading.memoryBytes / MB });
      }
      cgroups.forgetAllBut(new Set(refs.map((r) => r.id)));

      const cpuTicks = now.cpu.total - previous.cpu.total;
      const disk = readDisk(opts.dataDir);
      const sample: Sample = {
        at: Date.now(),
        cpuPercent: cpuTicks > 0 ? (Math.max(0, now.cpu.busy - previous.cpu.busy) / cpuTicks) * 100 : 0,
        memoryUsedMB: memory.active / MB,
        memoryTotalMB: memory.total / MB,
        memoryPercent: memory.total > 0 ? (memory.active / memory.total) * 100 : 0,
        diskUsedMB: disk.usedMB,
        diskTotalMB: disk.totalMB,
        diskPercent: disk.percent,
        temperatureC: readTemperature(zones),
        netRxPacketsPerSec: perSecond(now.net.rx, previous.net.rx),
        netTxPacketsPerSec: perSecond(now.net.tx, previous.net.tx),
        containers,
      };
      previous = now;
      return sample;
    },
  };
}
