// Deploys one cluster's four contracts and links them: DeviceRegistry (DDR), AppRegistry (DCR),
// EventLogger (DEL), Reputation (DRS), and the DeviceDirectory of MQTT devices (linked separately). The DeviceRegistry's address identifies the cluster.
import type { Signer } from "ethers";
import { AppRegistry, DeviceDirectory, DeviceRegistry, EventLogger, Reputation } from "../chain";

export type ClusterParams = { livenessGraceSeconds: number; solverBlocks: number; eventBlocks: number };

export type DeployedCluster = { registry: DeviceRegistry; apps: AppRegistry; events: EventLogger; reputation: Reputation; directory: DeviceDirectory; gas: bigint; block: number };

export async function deployClusterContracts(signer: Signer, joinAuthority: string, params: ClusterParams): Promise<DeployedCluster> {
  const { registry, receipt: r1 } = await DeviceRegistry.deploy(signer, joinAuthority, params.livenessGraceSeconds);
  const { apps, receipt: r2 } = await AppRegistry.deploy(signer, registry.address);
  const { events, receipt: r3 } = await EventLogger.deploy(signer, registry.address, apps.address, params.solverBlocks, params.eventBlocks);
  const { reputation, receipt: r4 } = await Reputation.deploy(signer, registry.address);
  const r5 = await registry.link({ apps: apps.address, events: events.address, reputation: reputation.address });
  const { directory, receipt: r6 } = await DeviceDirectory.deploy(signer, registry.address);
  const r7 = await registry.linkDeviceDirectory(directory.address);
  const gas = [r1, r2, r3, r4, r5, r6, r7].reduce((sum, r) => sum + r.gasUsed, 0n);
  return { registry, apps, events, reputation, directory, gas, block: r7.blockNumber };
}
