// Static specs of this machine, as registered on chain: arch, CPU cores and clock, memory, disk of the data dir.
import { arch, cpus, totalmem } from "node:os";
import { existsSync, readFileSync, statfsSync } from "node:fs";
import type { NodeSpecs } from "../chain/registry";

const ARCH_NAMES: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm" };

export function readSpecs(dataDir: string): NodeSpecs {
  const cores = cpus();
  const disk = existsSync(dataDir) ? statfsSync(dataDir) : undefined;
  return {
    arch: ARCH_NAMES[arch()] ?? arch(),
    cpuCores: cores.length,
    cpuMHz: Math.round(cores[0]?.speed || cpuMHzFromKernel()),
    memoryMB: Math.round(totalmem() / 2 ** 20),
    diskMB: disk ? Math.round((disk.blocks * disk.bsize) / 2 ** 20) : 0,
  };
}

/** Clock when os.cpus() reports 0 (common in VMs and on some boards): cpufreq's maximum, else /proc/cpuinfo. */
function cpuMHzFromKernel(): number {
  try {
    return Number(readFileSync("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "utf8")) / 1000;
  } catch {
    const match = /^cpu MHz\s*:\s*([\d.]+)/m.exec(existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "");
    return match ? Number(match[1]) : 0;
  }
}
