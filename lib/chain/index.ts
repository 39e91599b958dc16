// Public face of the chain module.
export { connectChain, type ChainConnection } from "./provider";
export { DeviceRegistry, signAdmission, REGISTRY_KIND, type NodeRecord, type MemberRecord, type NodeSpecs, type NodeInput, type ClusterLinks } from "./registry";
export { EventLogger, type Migration, type MigrationKind, type MigrationPhase } from "./event-logger";
export { Reputation, type ReputationRecord } from "./reputation";
export { mined, explainTxError } from "./tx";
export { DeviceRegistryArtifact, AppRegistryArtifact, EventLoggerArtifact, ReputationArtifact, DeviceDirectoryArtifact, OperatorsArtifact, SOLC_VERSION, enumName, enumMembers } from "./abi";
export { AppRegistry, appIdOf, portWord, portOfWord, type AppRecord, type ReplicaRecord, type ChainReplicaState } from "./app-registry";
export { DeviceDirectory, deviceKeyOf, type DeviceRecord, type DeviceInput, type RootRecord } from "./device-directory";
export { TypedContract } from "./contract";
export { Operators, OPERATOR_ROLES, type OperatorRole, type OperatorRecord } from "./operators";
