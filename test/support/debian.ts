// A minimal Debian 12 image with systemd, built locally with debootstrap and `docker import` (no image registry),
// once per machine: the tag is a hash of everything that goes in, so later runs reuse it.
import type Docker from "dockerode";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SUITE = "bookworm";
const MIRROR = "http://deb.debian.org/debian";
// systemd as PID 1, curl for `curl | sh`, procps/iproute2 for debugging a failed run.
const PACKAGES = ["systemd", "systemd-sysv", "dbus", "ca-certificates", "curl", "procps", "iproute2"];

export type Arch = "amd64" | "arm64";

const pending = new Map<Arch, Promise<string>>();

/** The image name for `arch`, building it first if this machine does not have it yet. */
export function ensureDebianImage(docker: Docker, arch: Arch = "amd64"): Promise<string> {
  let p = pending.get(arch);
  if (!p) {
    p = importIfMissing(docker, arch).catch((err) => {
      pending.delete(arch);
      throw err;
    });
    pending.set(arch, p);
  }
  return p;
}

export function debianImageName(arch: Arch): string {
  const key = createHash("sha256").update(JSON.stringify({ SUITE, MIRROR, PACKAGES, arch, v: 1 })).digest("hex").slice(0, 12);
  return `edge-agent-test/debian-${arch}:${key}`;
}

async function importIfMissing(docker: Docker, arch: Arch): Promise<string> {
  const name = debianImageName(arch);
  if (await docker.getImage(name).inspect().then(() => true, () => false)) return name;
  const work = mkdtempSync(join(tmpdir(), `edge-agent-debian-${arch}-`));
  try {
    const root = join(work, "rootfs");
    // arm64 on an x86 host: --foreign unpacks, then the second stage runs the arm64 maintainer scripts through
    // qemu-aarch64-static, which binfmt_misc runs for every arm64 ELF (see ensureArm64Binfmt).
    const foreign = arch !== hostArch();
    run(["debootstrap", "--variant=minbase", `--arch=${arch}`, ...(foreign ? ["--foreign"] : []), `--include=${PACKAGES.join(",")}`, SUITE, root, MIRROR]);
    if (foreign) {
      await ensureArm64Binfmt();
      run(["chroot", root, "/debootstrap/debootstrap", "--second-stage"]);
    }
    run(["sh", "-c", `rm -rf "${root}"/var/cache/apt/archives/*.deb "${root}"/var/lib/apt/lists/*`]);
    const tarball = join(work, "rootfs.tar");
    run(["tar", "-C", root, "--numeric-owner", "-cf", tarball, "."]);
    const [repo, tag] = name.split(":");
    const stream = await docker.importImage(tarball, { repo, tag, changes: ['CMD ["/sbin/init"]'] } as object);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
    return name;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function hostArch(): Arch {
  return process.arch === "arm64" ? "arm64" : "amd64";
}

function run(cmd: string[]): void {
  const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.slice(0, 3).join(" ")} failed (exit ${p.exitCode}):\n${(p.stderr.toString() + p.stdout.toString()).trim().split("\n").slice(-10).join("\n")}`);
}

const BINFMT = "/proc/sys/fs/binfmt_misc";
const QEMU_AARCH64_RULE = "/usr/lib/binfmt.d/qemu-aarch64.conf"; // from Debian qemu-user-static

/**
 * Lets this kernel run arm64 ELF binaries through qemu-aarch64-static: mounts binfmt_misc if needed and registers
 * Debian's rule (its F flag opens the interpreter now, so it also works inside containers). Kernel-wide, like
 * binfmt-support would do at boot. Throws with the reason when this machine does not allow it.
 */
export async function ensureArm64Binfmt(): Promise<void> {
  const { existsSync, readFileSync, writeFileSync } = await import("node:fs");
  if (!existsSync(`${BINFMT}/register`)) run(["mount", "-t", "binfmt_misc", "binfmt_misc", BINFMT]);
  if (existsSync(`${BINFMT}/qemu-aarch64`)) return;
  if (!existsSync(QEMU_AARCH64_RULE)) throw new Error(`${QEMU_AARCH64_RULE} missing (Debian qemu-user-static): run scripts/bootstrap.sh`);
  writeFileSync(`${BINFMT}/register`, readFileSync(QEMU_AARCH64_RULE, "utf8").trim());
}
