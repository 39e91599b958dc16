// Runs planned steps in order; a failed step fails its replica, whose later steps are then skipped.
import { executors, type ExecutorContext } from "./executors";
import { replicaKey, type Step } from "./types";

/** What went wrong during one apply: replica key → reason. */
export type Failures = Map<string, string>;

export async function applySteps(steps: Step[], ctx: ExecutorContext): Promise<Failures> {
  const failures: Failures = new Map();
  const failedPulls = new Map<string, string>(); // image → reason
  for (const step of steps) {
    if (step.kind !== "pull") {
      const key = keyOf(step);
      const pullFailure = failedPulls.get(imageNeeded(step) ?? "");
      if (pullFailure !== undefined && !failures.has(key)) failures.set(key, pullFailure);
      const unwanted = step.kind === "remove" && !step.replacement; // an unwanted container goes regardless
      if (failures.has(key) && !unwanted) continue;
    }
    const started = performance.now();
    const failure = await runStep(step, ctx);
    ctx.log(`${describeStep(step)}: ${failure === undefined ? "ok" : `failed: ${failure}`} (${Math.round(performance.now() - started)} ms)`);
    if (failure === undefined) continue;
    if (step.kind === "pull") failedPulls.set(step.image, failure);
    else failures.set(keyOf(step), failure);
  }
  return failures;
}

async function runStep(step: Step, ctx: ExecutorContext): Promise<string | undefined> {
  try {
    return await (executors[step.kind] as (s: Step, c: ExecutorContext) => Promise<string | undefined>)(step, ctx);
  } catch (err) {
    return `${step.kind} failed: ${err instanceof Error ? err.message : String(err)}`; // executors catch what they expect
  }
}

/** The image a step cannot do without: a create's, or a replacement's (the old container stays until it is here). */
function imageNeeded(step: Step): string | undefined {
  if (step.kind === "create") return step.replica.spec.image;
  if (step.kind === "remove") return step.replacement?.spec.image;
  return undefined;
}

/** The replica a step acts for. */
function keyOf(step: Exclude<Step, { kind: "pull" }>): string {
  return replicaKey(step.kind === "remove" ? step.container : step.replica);
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case "remove":
      return `remove ${step.container.name} (${step.reason})`;
    case "pull":
      return `pull ${step.image}`;
    case "create":
      return `create ${step.name} (${step.replica.spec.image}, version ${step.replica.version})`;
    case "start":
      return `start ${step.containerId}`;
    case "restart":
      return `restart ${step.container.name} (was ${step.container.state}, exit code ${step.container.exitCode})`;
    case "unpause":
      return `unpause ${step.container.name}`;
  }
}
