// App specs from flags and app.toml: what is accepted, and the one-line error for what is not.
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { appFromFile, appFromFlags, resolveAgainstMembers } from "../../lib/apps/spec";
import type { NodeRecord } from "../../lib/chain";
import { removeTempDirs, tempDir } from "../support/cli";

afterAll(removeTempDirs);

const member = (name: string, memoryMB: number): NodeRecord => ({
  address: `0x${name.padStart(40, "0")}`, name, labels: {}, endpoints: [], joinedAt: 1, updatedAt: 1,
  specs: { arch: "arm64", cpuCores: 4, cpuMHz: 1800, memoryMB, diskMB: 1000 },
});

describe("flags", () => {
  test("parse into a spec with units converted", () => {
    const { spec } = appFromFlags("web", { image: "nginx:alpine", replicas: "3", port: ["8080:80", "5353:53/udp"], env: ["A=1", "B=x=y"], cpu: "500m", memory: "1.5G", selector: ["zone=barn"], spread: true });
    expect(spec).toEqual({
      image: "nginx:alpine", replicas: 3, ports: [{ host: 8080, container: 80, protocol: "tcp" }, { host: 5353, container: 53, protocol: "udp" }],
      env: { A: "1", B: "x=y" }, cpuMilli: 500, memoryMB: 1536, selector: { zone: "barn" }, spread: true, everyNode: false, pin: null,
    });
    expect(appFromFlags("web", { image: "x", cpu: "2" }).spec.cpuMilli).toBe(2000);
  });

  const bad: Array<[Parameters<typeof appFromFlags>[1], RegExp]> = [
    [{ image: "x", replicas: "-1" }, /--replicas: replicas must be 0 or more/],
    [{ image: "x", replicas: "two" }, /--replicas/],
    [{ image: "x", port: ["80"] }, /--port: "80" is not HOST:CONTAINER/],
    [{ image: "x", port: ["0:80"] }, /--port/],
    [{ image: "x", port: ["8080:80", "8080:81"] }, /--port: the same host port is mapped twice/],
    [{ image: "x", memory: "lots" }, /--memory: "lots" is not a memory amount/],
    [{ image: "x", cpu: "-1" }, /--cpu/],
    [{ image: "x", env: ["1BAD=x"] }, /--env/],
    [{}, /--image: an image is required/],
    [{ image: "x", everyNode: true, replicas: "2" }, /--replicas: an every-node app/],
    [{ image: "x", everyNode: true, pin: "a" }, /--pin: an every-node app cannot be pinned/],
  ];
  for (const [flags, message] of bad) {
    test(`rejects ${JSON.stringify(flags)}`, () => expect(() => appFromFlags("web", flags)).toThrow(message));
  }
  test("rejects a bad app name", () => expect(() => appFromFlags("Web App", { image: "x" })).toThrow(/NAME: app names are/));
});

describe("app.toml", () => {
  const write = (text: string) => {
    const path = join(tempDir(), "app.toml");
    writeFileSync(path, text);
    return path;
  };

  test("reads every field", () => {
    const path = write('name = "web"\nimage = "nginx:alpine"\nreplicas = 2\nports = ["8080:80"]\nenv = { MODE = "prod" }\ncpu = 0.25\nmemory = "128M"\nselector = { zone = "barn" }\nspread = false\npin = "pi-1"\n');
    const draft = appFromFile(path);
    expect(draft.name).toBe("web");
    expect(draft.pinRef).toBe("pi-1");
    expect(draft.spec).toMatchObject({ replicas: 2, cpuMilli: 250, memoryMB: 128, env: { MODE: "prod" }, selector: { zone: "barn" }, spread: false });
  });

  test("an unknown field names the file and its line", () => {
    const path = write('name = "web"\nimage = "nginx"\nreplica = 2\n');
    expect(() => appFromFile(path)).toThrow(`${path}:3: replica: unknown field`);
  });

  test("a bad value names the file and its line", () => {
    const path = write('name = "web"\nimage = "nginx"\nports = ["80"]\n');
    expect(() => appFromFile(path)).toThrow(new RegExp(`${path}:3: ports: "80" is not HOST:CONTAINER`));
  });
});

describe("against the cluster's members", () => {
  test("memory over every node's capacity and an unknown pin are refused; a known pin resolves to its address", () => {
    const members = [member("a", 4096), member("b", 2048)];
    expect(() => resolveAgainstMembers(appFromFlags("web", { image: "x", memory: "8G" }), members)).toThrow("exceeds every member's memory (largest: 4096M)");
    expect(() => resolveAgainstMembers(appFromFlags("web", { image: "x", pin: "zz" }), members)).toThrow('no member named or addressed "zz"');
    expect(resolveAgainstMembers(appFromFlags("web", { image: "x", pin: "b" }), members).pin).toBe(members[1]!.address);
  });
});
