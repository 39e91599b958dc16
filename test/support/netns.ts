// A test network of Linux network namespaces: one bridge on the host, and per node a namespace joined to it by a
// veth pair (10.X.Y.(10+i)/24, the host is .1). Processes started with `exec(i)` see only their namespace, so a
// partition (iptables DROP of every peer address inside one namespace) is a real cut, not a killed process.
// Docker is shared (its unix socket works from any namespace); the namespaces reach containers on docker0 through
// the host, which a DOCKER-USER rule lets through for this bridge only. `destroy()` removes all of it.
import { randomBytes } from "node:crypto";

export type TestNet = {
  /** The nodes' IPs, index i = namespace i. */
  ips: string[];
  hostIp: string;
  subnet: string;
  /** The command prefix that runs a program inside namespace i. */
  exec(i: number): string[];
  /** Cuts namespace i off from every other node (the host stays reachable: Docker, the test). */
  partition(i: number): Promise<void>;
  heal(i: number): Promise<void>;
  /** Kills whatever still runs in the namespaces, removes namespaces, veths, bridge and the DOCKER-USER rules. */
  destroy(): Promise<void>;
};

async function sh(cmd: string): Promise<void> {
  const proc = Bun.spawn(["sh", "-ec", cmd], { stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd}: exit ${code}: ${err.trim()}`);
}

export async function createTestNet(count: number): Promise<TestNet> {
  const id = randomBytes(2).toString("hex");
  const [a, b] = [200 + (randomBytes(1)[0]! % 50), randomBytes(1)[0]!];
  const prefix = `10.${a}.${b}`;
  const subnet = `${prefix}.0/24`;
  const bridge = `ea${id}br`;
  const ns = (i: number) => `ea${id}n${i}`;
  const ips = Array.from({ length: count }, (_, i) => `${prefix}.${10 + i}`);
  const hostIp = `${prefix}.1`;
  const dockerRules = [`-i ${bridge} -j ACCEPT`, `-o ${bridge} -j ACCEPT`];
  // Inserted in this order (each -I goes first), the host is accepted before the rest of the subnet is dropped.
  const cutRules = (i: number) =>
    [`INPUT -s ${subnet} -j DROP`, `INPUT -s ${hostIp} -j ACCEPT`, `OUTPUT -d ${subnet} -j DROP`, `OUTPUT -d ${hostIp} -j ACCEPT`]
      .map((r) => `ip netns exec ${ns(i)} iptables -%s ${r}`);

  const net: TestNet = {
    ips,
    hostIp,
    subnet,
    exec: (i) => ["ip", "netns", "exec", ns(i)],
    partition: async (i) => sh(cutRules(i).map((r) => r.replace("%s", "I")).join("\n")),
    heal: async (i) => sh(cutRules(i).map((r) => r.replace("%s", "D")).join("\n")),
    async destroy() {
      for (let i = 0; i < count; i++) {
        await sh(`for p in $(ip netns pids ${ns(i)} 2>/dev/null); do kill -9 $p 2>/dev/null || true; done; ip netns del ${ns(i)} 2>/dev/null || true`);
      }
      await sh(`ip link del ${bridge} 2>/dev/null || true`);
      for (const rule of dockerRules) await sh(`iptables -D DOCKER-USER ${rule} 2>/dev/null || true`);
    },
  };
  try {
    await sh(`ip link add ${bridge} type bridge && ip addr add ${hostIp}/24 dev ${bridge} && ip link set ${bridge} up`);
    await sh("sysctl -qw net.ipv4.ip_forward=1");
    for (const rule of dockerRules) await sh(`iptables -N DOCKER-USER 2>/dev/null || true; iptables -I DOCKER-USER ${rule}`);
    for (let i = 0; i < count; i++) {
      const host = `ea${id}h${i}`;
      const peer = `ea${id}p${i}`;
      await sh([
        `ip netns add ${ns(i)}`,
        `ip link add ${host} type veth peer name ${peer}`,
        `ip link set ${host} master ${bridge} up`,
        `ip link set ${peer} netns ${ns(i)}`,
        `ip -n ${ns(i)} link set lo up`,
        `ip -n ${ns(i)} link set ${peer} name eth0`,
        `ip -n ${ns(i)} addr add ${ips[i]}/24 dev eth0`,
        `ip -n ${ns(i)} link set eth0 up`,
        `ip -n ${ns(i)} route add default via ${hostIp}`,
      ].join("\n"));
    }
  } catch (err) {
    await net.destroy();
    throw err;
  }
  return net;
}
