// One executor per step kind; each returns undefined when done, or one line saying why it failed.
import type Docker from "dockerode";
import { containerCreateOptions, type ContainerContext } from "./container-spec";
import { createFailure, engineMessage, pullFailure, startFailure, statusCodeOf } from "./engine-errors";
import { pullImage } from "./images";
import type { Step, StepKind } from "./types";

export type ExecutorContext = {
  docker: Docker;
  container: ContainerContext;
  registries: string[];
  log: (line: string) => void;
  restarts: Map<string, number>; // container id → times this reconciler started it again
};

type Executor<K extends StepKind> = (step: Extract<Step, { kind: K }>, ctx: ExecutorContext) => Promise<string | undefined>;

export const executors: { [K in StepKind]: Executor<K> } = {
  async remove({ container }, { docker }) {
    try {
      await docker.getContainer(container.containerId).remove({ force: true });
    } catch (err) {
      if (statusCodeOf(err) !== 404) return `could not remove container ${container.name}: ${engineMessage(err)}`; // 404: gone already
    }
  },

  async pull({ image }, { docker, registries, log }) {
    try {
      await pullImage(docker, image, registries, log);
    } catch (err) {
      return pullFailure(image, err);
    }
  },

  async create({ name, replica }, { docker, container }) {
    try {
      await docker.createContainer(containerCreateOptions(replica, name, container));
    } catch (err) {
      return createFailure(replica, name, err);
    }
  },

  async start({ containerId, replica }, { docker }) {
    return await startContainer(docker, containerId, (err) => startFailure(replica, err));
  },

  async restart({ container, replica }, { docker, restarts }) {
    restarts.set(container.containerId, (restarts.get(container.containerId) ?? 0) + 1);
    return await startContainer(docker, container.containerId, (err) => startFailure(replica, err));
  },

  async unpause({ container }, { docker }) {
    try {
      await docker.getContainer(container.containerId).unpause();
    } catch (err) {
      return `unpause failed: ${engineMessage(err)}`;
    }
  },
};

async function startContainer(docker: Docker, idOrName: string, explain: (err: unknown) => string): Promise<string | undefined> {
  try {
    await docker.getContainer(idOrName).start();
  } catch (err) {
    if (statusCodeOf(err) !== 304) return explain(err); // 304: already running
  }
}
