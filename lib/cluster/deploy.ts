// Deploys one cluster's contracts and links them: DeviceRegistry (DDR), Operators (the operator keys and their roles,
// `firstAdmin` the first admin), AppRegistry (DCR), EventLogger (DEL), Reputation (DRS), and the DeviceDirectory of MQTT
// devices (linked separately). The DeviceRegistry's address identifies the cluster.
import type { Signer } from "ethers";
import { AppRegistry, DeviceDirectory, DeviceRegistry, EventLogger, Operators, Reputation } from "../chain";

export type ClusterParams = { livenessGraceSeconds: number; solverBlocks: number; eventBlocks: number };

export type DeployedCluster = { registry: DeviceRegistry; apps: AppRegistry; operators: Operators; events: EventLogger; reputation: Reputation; directory: DeviceDirectory; gas: bigint; block: number };

export async function deployClusterContracts(signer: Signer, joinAuthority: string, firstAdmin: string, params: ClusterParams): Promise<DeployedCluster> {
  const { registry, receipt: r1 } = await DeviceRegistry.deploy(signer, joinAuthority, params.livenessGraceSeconds);
  const { operators, receipt: r0 } = await Operators.deploy(signer, registry.address, firstAdmin);
  const { apps, receipt: r2 } = await AppRegistry.deploy(signer, registry.address, operators.address);
  const { events, receipt: r3 } = await EventLogger.deploy(signer, registry.address, apps.address, params.solverBlocks, params.eventBlocks);
  const { reputation, receipt: r4 } = await Reputation.deploy(signer, registry.address);
  const r5 = await registry.link({ apps: apps.address, events: events.address, reputation: reputation.address });
  const { directory, receipt: r6 } = await DeviceDirectory.deploy(signer, registry.address);
  const r7 = await registry.linkDeviceDirectory(directory.address);
  const gas = [r1, r0, r2, r3, r4, r5, r6, r7].reduce((sum, r) => sum + r.gasUsed, 0n);
  return { registry, apps, operators, events, reputation, directory, gas, block: r7.blockNumber };
}
