// Compiled contracts (ABI + bytecode), produced by scripts/compile-contracts.ts and embedded in the binary by import.
import compiled from "../../contracts/out/artifacts.json" with { type: "json" };
import type { InterfaceAbi } from "ethers";

export type Artifact = { abi: InterfaceAbi; bytecode: string };

export const DeviceRegistryArtifact: Artifact = compiled.contracts.DeviceRegistry as Artifact;
export const AppRegistryArtifact: Artifact = compiled.contracts.AppRegistry as Artifact;
export const EventLoggerArtifact: Artifact = compiled.contracts.EventLogger as Artifact;
export const ReputationArtifact: Artifact = compiled.contracts.Reputation as Artifact;
export const SOLC_VERSION: string = compiled.compiler;
export const DeviceDirectoryArtifact: Artifact = compiled.contracts.DeviceDirectory as Artifact;
