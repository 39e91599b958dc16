// Public face of the chain module.
export { connectChain, type ChainConnection } from "./provider";
export { DeviceRegistry, signAdmission, REGISTRY_KIND, type NodeRecord, type NodeSpecs, type NodeInput, type ClusterLinks } from "./registry";
export { EventLogger, type Migration, type MigrationKind, type MigrationPhase } from "./event-logger";
export { Reputation, type ReputationRecord } from "./reputation";
export { mined, explainTxError } from "./tx";
export { DeviceRegistryArtifact, AppRegistryArtifact, SOLC_VERSION } from "./artifacts";
export { AppRegistry, appIdOf, type AppRecord, type ReplicaRecord, type ChainReplicaState } from "./app-registry";
export { DeviceDirectory, deviceKeyOf, type DeviceRecord, type DeviceInput, type RootRecord } from "./device-directory";
