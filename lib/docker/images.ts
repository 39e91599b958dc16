// Local image checks and pulls: the engine default, or each configured registry in turn (then retagged).
import type Docker from "dockerode";
import type { Readable } from "node:stream";
import { engineMessage } from "./engine-errors";
import { PullProgress, type PullMessage } from "./pull-progress";

/** A pull that reports nothing for this long is abandoned. */
const PULL_SILENCE_MS = 120_000;

/** The names in `images` that the engine has locally. */
export async function localImages(docker: Docker, images: Iterable<string>): Promise<Set<string>> {
  const names = [...new Set(images)];
  const present = await Promise.all(names.map((name) => docker.getImage(name).inspect().then(() => true, () => false)));
  return new Set(names.filter((_, i) => present[i]));
}

/** Pulls `image`; throws one line naming what was tried when no source has it. */
export async function pullImage(
  docker: Docker,
  image: string,
  registries: string[],
  log: (line: string) => void,
  silenceMs = PULL_SILENCE_MS,
): Promise<void> {
  if (registries.length === 0) return await pullReference(docker, image, log, silenceMs);
  const tried: string[] = [];
  for (const registry of registries) {
    const remote = `${registry.replace(/\/+$/, "")}/${image}`;
    try {
      await pullReference(docker, remote, log, silenceMs);
      await retag(docker, remote, image);
      return;
    } catch (err) {
      tried.push(`${remote}: ${engineMessage(err)}`);
    }
  }
  throw new Error(tried.join("; "));
}

/** One pull, its progress folded by dockerode's followProgress into PullProgress's summary lines. */
async function pullReference(docker: Docker, ref: string, log: (line: string) => void, silenceMs: number): Promise<void> {
  log(`pull ${ref}: starting`);
  const stream = (await docker.pull(ref)) as Readable;
  const progress = new PullProgress(ref, log);
  await new Promise<void>((resolve, reject) => {
    let failure: string | undefined;
    let silence = setTimeout(abandon, silenceMs);
    function abandon() {
      failure ??= `no progress for ${silenceMs / 1000} s`;
      stream.destroy();
    }
    const onProgress = (message: PullMessage) => {
      clearTimeout(silence);
      if (!message.error) {
        silence = setTimeout(abandon, silenceMs);
        progress.update(message);
        return;
      }
      // The engine reports a failed pull inside the stream, which followProgress passes on as one more message. It
      // is the last: fail now, not when the engine closes the stream (seen here once to stay open past the silence).
      failure ??= message.errorDetail?.message ?? message.error;
      reject(new Error(failure));
      stream.destroy();
    };
    const onFinished = (err: Error | null) => {
      clearTimeout(silence);
      if (err) failure ??= engineMessage(err);
      if (failure !== undefined) reject(new Error(failure));
      else resolve();
    };
    docker.modem.followProgress(stream, onFinished, onProgress);
  });
  log(`${progress.summary()}, done`);
}

/** Tags `registry/name:tag` as plain `name:tag`, the name containers are created from. */
async function retag(docker: Docker, remote: string, image: string): Promise<void> {
  if (image.includes("@")) throw new Error(`cannot retag digest reference ${image}: use a tag, or no registries`);
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  const [repo, tag] = colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, "latest"];
  await docker.getImage(remote).tag({ repo, tag });
}
