// Builds the local test image (busybox-static rootfs via `docker import`): no image registry needed.
import type Docker from "dockerode";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TEST_IMAGE = "edge-agent-test/busybox:1";
export const TEST_INDEX_HTML = "<h1>edge-agent test image</h1>\n";
const BUSYBOX = "/bin/busybox";
const CMD = ["httpd", "-f", "-p", "80", "-h", "/www"];

let pending: Promise<string> | undefined;

/** Makes sure TEST_IMAGE exists (importing it once per process) and returns its name. */
export function ensureTestImage(docker: Docker): Promise<string> {
  pending ??= importIfMissing(docker).catch((err) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function importIfMissing(docker: Docker): Promise<string> {
  const present = await docker.getImage(TEST_IMAGE).inspect().then(() => true, () => false);
  if (present) return TEST_IMAGE;
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} missing (Debian busybox-static): run scripts/bootstrap.sh`);

  const work = mkdtempSync(join(tmpdir(), "edge-agent-image-"));
  try {
    const tarball = join(work, "rootfs.tar");
    buildRootfs(join(work, "rootfs"));
    const tar = Bun.spawnSync(["tar", "-C", join(work, "rootfs"), "--numeric-owner", "--owner=0", "--group=0", "-cf", tarball, "."]);
    if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);

    const [repo, tag] = TEST_IMAGE.split(":");
    const changes = [`CMD ${JSON.stringify(CMD)}`, "EXPOSE 80/tcp"];
    const stream = await docker.importImage(tarball, { repo, tag, changes } as object);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())),
    );
    return TEST_IMAGE;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function buildRootfs(root: string): void {
  for (const dir of ["bin", "www", "tmp", "etc", "root"]) mkdirSync(join(root, dir), { recursive: true });
  Bun.spawnSync(["chmod", "1777", join(root, "tmp")]); // Bun 1.3.5's fs.chmod drops the sticky bit
  copyFileSync(BUSYBOX, join(root, "bin/busybox"));
  const applets = Bun.spawnSync([BUSYBOX, "--list"]).stdout.toString().split("\n").filter(Boolean);
  for (const applet of new Set([...applets, "sh", "httpd", "sleep", "echo", "cat", "ls", "wget", "mkdir"])) {
    if (applet !== "busybox") symlinkSync("busybox", join(root, "bin", applet));
  }
  writeFileSync(join(root, "www/index.html"), TEST_INDEX_HTML);
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\n");
}
