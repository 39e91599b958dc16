// A read-only Docker registry (HTTP API v2) on loopback, which the engine may use over plain HTTP (127.0.0.0/8 is an
// insecure registry by default), for pull tests: every name:tag is one image of a single fresh layer (random bytes,
// so the engine never has it already), served whole, with a corrupted layer, or stalling half-way through the layer.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type RegistryMode = "ok" | "corrupt-layer" | "stall-layer";
export type TestRegistry = { host: string; layerBytes: number; stop(): void };

const sha256 = (data: Uint8Array) => "sha256:" + createHash("sha256").update(data).digest("hex");

/** One gzipped layer tar holding `bytes` random bytes in /random. */
function randomLayer(size: number): { tar: Uint8Array; gz: Uint8Array } {
  const work = mkdtempSync(join(tmpdir(), "edge-agent-layer-"));
  try {
    writeFileSync(join(work, "random"), randomBytes(size));
    const tar = Bun.spawnSync(["tar", "-C", work, "--numeric-owner", "--owner=0", "--group=0", "-cf", "-", "random"]);
    if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
    const bytes = new Uint8Array(tar.stdout);
    return { tar: bytes, gz: Bun.gzipSync(bytes) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function startRegistry(mode: RegistryMode = "ok", bytes = 3 * 2 ** 20): TestRegistry {
  const layer = randomLayer(bytes);
  const config = new TextEncoder().encode(
    JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["/random"] }, rootfs: { type: "layers", diff_ids: [sha256(layer.tar)] } }),
  );
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: config.length, digest: sha256(config) },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: layer.gz.length, digest: sha256(layer.gz) }],
  });
  const served = mode === "corrupt-layer" ? layer.gz.map((b, i) => (i === layer.gz.length >> 1 ? b ^ 0xff : b)) : layer.gz;
  const layerBody = () =>
    mode !== "stall-layer"
      ? served
      : new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(served.subarray(0, served.length >> 1)) }); // never closed
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0, // a stalled layer stays open until the engine gives up
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/v2/") return Response.json({});
      if (/^\/v2\/.+\/manifests\/[^/]+$/.test(path)) {
        const headers = { "Content-Type": "application/vnd.docker.distribution.manifest.v2+json", "Docker-Content-Digest": sha256(new TextEncoder().encode(manifest)) };
        return new Response(req.method === "HEAD" ? null : manifest, { headers });
      }
      const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1];
      if (blob === sha256(config)) return new Response(config);
      if (blob === sha256(layer.gz)) return new Response(layerBody(), { headers: { "Content-Type": "application/octet-stream" } });
      return Response.json({ errors: [{ code: "NAME_UNKNOWN", message: "not here" }] }, { status: 404 });
    },
  });
  return { host: `127.0.0.1:${server.port}`, layerBytes: layer.gz.length, stop: () => void server.stop(true) };
}
