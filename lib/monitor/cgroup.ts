// Per-container CPU time and memory from the container's cgroup files: cgroup v2 (systemd or cgroupfs driver) or v1.
import { existsSync, readFileSync } from "node:fs";

const ROOT = "/sys/fs/cgroup";

/** Where one container's counters live, and how to read them. */
type CgroupFiles = {
  cpu: string;
  readCpuMicros: (text: string) => number;
  memory: string;
  memoryStat: string;
  inactive: RegExp; // the page cache `docker stats` leaves out of a container's memory
};

const usageUsec = (text: string) => Number(/^usage_usec (\d+)/m.exec(text)?.[1] ?? NaN);
const nanosToMicros = (text: string) => Number(text) / 1000;

function layouts(id: string): CgroupFiles[] {
  const v2 = (dir: string): CgroupFiles => ({
    cpu: `${dir}/cpu.stat`, readCpuMicros: usageUsec,
    memory: `${dir}/memory.current`, memoryStat: `${dir}/memory.stat`, inactive: /^inactive_file (\d+)/m,
  });
  const v1 = (sub: string): CgroupFiles => ({
    cpu: `${ROOT}/cpuacct/${sub}/cpuacct.usage`, readCpuMicros: nanosToMicros,
    memory: `${ROOT}/memory/${sub}/memory.usage_in_bytes`, memoryStat: `${ROOT}/memory/${sub}/memory.stat`, inactive: /^total_inactive_file (\d+)/m,
  });
  return [v2(`${ROOT}/system.slice/docker-${id}.scope`), v2(`${ROOT}/docker/${id}`), v1(`system.slice/docker-${id}.scope`), v1(`docker/${id}`)];
}

/** One reading of a container: CPU time used since it started, and memory in bytes. */
export type CgroupReading = { cpuMicros: number; memoryBytes: number };

/** Finds a container's cgroup once (by its full 64-hex id) and reads it on every call; undefined when no layout has it. */
export class CgroupReader {
  private found = new Map<string, CgroupFiles>();

  read(id: string): CgroupReading | undefined {
    const files = this.found.get(id) ?? layouts(id).find((l) => existsSync(l.cpu));
    if (!files) return undefined;
    try {
      const cpuMicros = files.readCpuMicros(readFileSync(files.cpu, "latin1"));
      const usage = Number(readFileSync(files.memory, "latin1"));
      const stat = readFileSync(files.memoryStat, "latin1");
      const inactive = Number(files.inactive.exec(stat)?.[1] ?? 0);
      if (!Number.isFinite(cpuMicros) || !Number.isFinite(usage)) return undefined;
      this.found.set(id, files);
      return { cpuMicros, memoryBytes: Math.max(0, usage - inactive) };
    } catch {
      this.found.delete(id); // the container went away between listing and reading
      return undefined;
    }
  }

  /** Drops what is known about containers no longer listed. */
  forgetAllBut(ids: Set<string>): void {
    for (const id of this.found.keys()) if (!ids.has(id)) this.found.delete(id);
  }
}
