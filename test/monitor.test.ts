// Monitor on a real Docker Engine: a busy container's CPU and memory from its cgroup, and a container rule naming it.
// (The rest of the monitor needs no external process: test/unit/monitor.test.ts.)
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { createSampler, Monitor, type Firing, type Sample } from "../lib/monitor";
import { removeTempDirs, tempDir } from "./support/cli";
import { ensureDocker } from "./support/dockerd";
import { ensureTestImage, TEST_IMAGE } from "./support/images";
import { countSpawns, rule } from "./support/monitor";

afterAll(removeTempDirs);


describe("sampler", () => {
  // The sampler knows cgroup v2 (unified) and v1 (cpuacct + memory controllers); this machine must have one of them.
  const cgroupsReadable = existsSync("/sys/fs/cgroup/cgroup.controllers") || existsSync("/sys/fs/cgroup/cpuacct/cpuacct.usage");
  test.skipIf(!cgroupsReadable)("reports a busy container's CPU and memory, and a container rule names it", async () => {
    const docker = await ensureDocker();
    await ensureTestImage(docker);
    const container = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ["sh", "-c", "while :; do :; done"], name: `edge-agent-monitor-test-${process.pid}` });
    try {
      await container.start();
      const sampler = createSampler({ dataDir: tempDir(), containers: async () => [{ id: container.id, app: "burner", replica: 2 }] });
      await sampler.sample();
      await Bun.sleep(1000);
      let sample: Sample | undefined;
      expect(await countSpawns(async () => (sample = await sampler.sample()))).toBe(0);
      const burner = sample!.containers.find((c) => c.id === container.id);
      expect(burner).toMatchObject({ app: "burner", replica: 2 });
      expect(burner!.cpuPercent).toBeGreaterThan(20); // percent of one core: a busy loop is ~100
      expect(burner!.memoryMB).toBeWithin(0.01, 100);

      const firings: Firing[] = [];
      const monitor = new Monitor({
        intervalMs: 1000, window: 2, sampler, onFire: (f) => firings.push(f), log: () => {},
        rules: [rule({ name: "busy", metric: "container_cpu", unit: "absolute", bound: 20, window: 1, action: "migrate" })],
      });
      await Bun.sleep(500);
      await monitor.tick();
      expect(firings.map((f) => f.container)).toEqual([{ id: container.id, app: "burner", replica: 2 }]);
    } finally {
      await container.remove({ force: true });
    }
  });
});

