// The compiled contracts (ABIs typed `as const`, bytecode) and their enums' member names, generated at build time by
// scripts/compile-contracts.ts and embedded in the binary by this import.
import * as compiled from "../../contracts/out/contracts";

export const { AppRegistry: AppRegistryArtifact, DeviceRegistry: DeviceRegistryArtifact, EventLogger: EventLoggerArtifact, Reputation: ReputationArtifact, DeviceDirectory: DeviceDirectoryArtifact, Operators: OperatorsArtifact } = compiled;
export const SOLC_VERSION = compiled.compiler;

export type Artifact = { abi: readonly unknown[]; bytecode: string };

type Enums = typeof compiled.enums;
/** The member names of a Solidity enum, in order, e.g. enumMembers("AppRegistry.Ineligible")[1] === "NotMember". */
export const enumMembers = <E extends keyof Enums>(name: E): Enums[E] => compiled.enums[name];

/** The name of an enum value read from the chain; an out-of-range value (a newer contract) is an error, not a guess. */
export function enumName<E extends keyof Enums>(name: E, value: number): Enums[E][number] {
  const member = compiled.enums[name][value];
  if (member === undefined) throw new Error(`${name}: unknown value ${value}`);
  return member as Enums[E][number];
}
