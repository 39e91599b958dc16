// Follows the engine's event stream for this node's containers; reconnects when the engine goes away.
import type Docker from "dockerode";
import type { Readable } from "node:stream";
import { engineMessage } from "./engine-errors";
import { nodeLabelFilter } from "./labels";

/** Container events that change what observe() would see. */
const STATE_CHANGES = new Set(["create", "start", "restart", "die", "oom", "stop", "destroy", "pause", "unpause", "rename", "update"]);
const COALESCE_MS = 50;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

export type WatchOptions = { docker: Docker; nodeAddress: string; log: (line: string) => void };

/**
 * Calls `onChange` (coalesced) after state changes of this node's containers, and once after every
 * reconnect, since events may have been missed while the engine was away. Logs "docker events: connected" once
 * the engine has answered the first subscription (then "…; reconnecting" / "…: reconnected"). Returns stop().
 */
export function watchContainers({ docker, nodeAddress, log }: WatchOptions, onChange: () => void): () => void {
  let stopped = false;
  let stream: Readable | undefined;
  let retryTimer: Timer | undefined;
  let coalesceTimer: Timer | undefined;
  let retryMs = RETRY_FIRST_MS;
  let lostConnection = false;

  const changed = () => {
    if (stopped || coalesceTimer) return;
    coalesceTimer = setTimeout(() => {
      coalesceTimer = undefined;
      if (!stopped) onChange();
    }, COALESCE_MS);
  };

  const reconnectLater = (why: string) => {
    if (stopped || retryTimer) return;
    if (!lostConnection) log(`docker events: ${why}; reconnecting`);
    lostConnection = true;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  const connect = async () => {
    let events: Readable;
    try {
      events = (await docker.getEvents({ filters: { type: ["container"], label: [nodeLabelFilter(nodeAddress)] } })) as Readable;
    } catch (err) {
      return reconnectLater(engineMessage(err));
    }
    if (stopped) return void events.destroy();
    stream = events;
    retryMs = RETRY_FIRST_MS;
    if (lostConnection) {
      log("docker events: reconnected");
      lostConnection = false;
      changed();
    } else log("docker events: connected"); // the first subscription: connect() runs again only after a loss
    let buffered = "";
    events.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      if (lines.some(isStateChange)) changed();
    });
    const lost = (why: string) => {
      if (stream !== events) return; // end, close and error all follow one loss: act once
      stream = undefined;
      reconnectLater(why);
    };
    events.on("error", (err) => lost(engineMessage(err)));
    events.on("end", () => lost("stream ended"));
    events.on("close", () => lost("stream closed"));
  };

  void connect();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    clearTimeout(coalesceTimer);
    stream?.destroy();
  };
}

function isStateChange(line: string): boolean {
  try {
    const event = JSON.parse(line) as { Type?: string; Action?: string; status?: string };
    const action = (event.Action ?? event.status ?? "").split(":")[0]!;
    return STATE_CHANGES.has(action);
  } catch {
    return false;
  }
}
