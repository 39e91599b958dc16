// Version, commit and target of this build; scripts/build.ts injects the last two with --define.
import pkg from "../package.json" with { type: "json" };

declare const EDGE_AGENT_COMMIT: string;
declare const EDGE_AGENT_TARGET: string;

export const VERSION: string = pkg.version;
export const COMMIT: string = typeof EDGE_AGENT_COMMIT === "string" ? EDGE_AGENT_COMMIT : "source";
export const TARGET: string = typeof EDGE_AGENT_TARGET === "string" ? EDGE_AGENT_TARGET : `bun-${process.platform}-${process.arch} (from source)`;

export const versionLine = () => `edge-agent ${VERSION} (commit ${COMMIT}, ${TARGET})`;
