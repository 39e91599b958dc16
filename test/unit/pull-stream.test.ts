// A pull's in-stream error is its end: the engine's message is the failure at once, even if the engine leaves the
// stream open (seen once here under load: the error logged by dockerd, the stream silent, the pull failing only at
// the silence timeout with "no progress"). The engine here is a stand-in that only answers `pull` with a stream, since
// a real engine cannot be made to keep a failed pull's stream open on demand; test/docker.test.ts pulls for real.
import { expect, test } from "bun:test";
import Docker from "dockerode";
import { PassThrough } from "node:stream";
import { pullImage } from "../../lib/docker/images";

test("an error message in a pull stream that stays open fails the pull with the engine's message, at once", async () => {
  const stream = new PassThrough();
  // dockerode's own modem (its followProgress reads the stream); nothing connects to the socket.
  const engine = { pull: async () => stream, modem: new Docker({ socketPath: "/nonexistent" }).modem } as unknown as Docker;
  const started = Date.now();
  const pulling = pullImage(engine, "edge-agent-test/never:1", [], () => {}, 5000);
  stream.write(JSON.stringify({ status: "Pulling fs layer", id: "abc" }) + "\r\n");
  stream.write(JSON.stringify({ errorDetail: { message: "filesystem layer verification failed for digest sha256:00" }, error: "filesystem layer verification failed for digest sha256:00" }) + "\r\n");
  await expect(pulling).rejects.toThrow(/^filesystem layer verification failed for digest sha256:00$/);
  expect(Date.now() - started).toBeLessThan(2000);
  expect(stream.destroyed).toBe(true);
});
