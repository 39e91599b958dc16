// Whether a replica's app really accepts connections: a TCP connect to the container's own address and port,
// past Docker's userland proxy (which accepts on the published port before the app listens).
import type Docker from "dockerode";
import { connect } from "node:net";
import { LABEL, nodeLabelFilter } from "./labels";

export async function replicaAcceptsConnections(docker: Docker, nodeAddress: string, appId: string, replica: number, containerPort: number): Promise<boolean> {
  const [info] = await docker.listContainers({ filters: { label: [nodeLabelFilter(nodeAddress), `${LABEL.appId}=${appId}`, `${LABEL.replica}=${replica}`] } });
  if (!info) return false;
  const networks = Object.values(info.NetworkSettings?.Networks ?? {});
  const ip = networks.map((n) => n.IPAddress).find(Boolean);
  if (!ip) return false;
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port: containerPort, timeout: 1000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
    socket.on("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
