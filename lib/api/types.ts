// The control API's answers that the CLI reads back (the stable shape of the daemon part of `status --json`).
import type { ReplicaStatus } from "../apps/types";
import type { RuleState } from "../monitor";
import type { MemberHealth, Mode } from "../workflow/workflow";

export type DaemonStatus = {
  pid: number;
  startedAt: string;
  online: boolean;
  lastSyncAt: string | null;
  lastSyncBlock: number | null;
  lastError: string | null;
  mode: Mode;
  rules: RuleState[];
  members: MemberHealth[];
  replicas: ReplicaStatus[];
  /** The daemon's modules, in start order. */
  modules: string[];
};
