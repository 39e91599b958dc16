// Public face of the cluster module: create, join, status, eviction, join tokens.
export { createCluster, type CreatedCluster, type Progress } from "./create";
export { joinCluster, type JoinedCluster } from "./join";
export { readStatus, type StatusReport } from "./status";
export { voteToEvict, type EvictionVote } from "./evict";
export { currentJoinToken, refillJoinBudget } from "./join-key";
export { encodeJoinToken, decodeJoinToken, type JoinToken } from "./token";
