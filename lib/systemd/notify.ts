// sd_notify for a Bun binary: one datagram to the AF_UNIX socket systemd names in $NOTIFY_SOCKET. Bun has neither
// unix datagram sockets nor libsystemd bindings, so libc's socket()/sendto() are called through bun:ffi (works in
// the compiled binary too). Without $NOTIFY_SOCKET (not under systemd, or Type=simple) every call is a no-op.
import { dlopen, FFIType, ptr } from "bun:ffi";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SUN_PATH_MAX = 108;

type Libc = { socket(d: number, t: number, p: number): number; sendto(fd: number, buf: unknown, len: number, flags: number, addr: unknown, addrlen: number): number | bigint; close(fd: number): number };
let libc: Libc | undefined;

function openLibc(): Libc {
  if (!libc) {
    const { symbols } = dlopen("libc.so.6", {
      socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
      close: { args: [FFIType.i32], returns: FFIType.i32 },
    });
    libc = symbols as unknown as Libc;
  }
  return libc;
}

/** struct sockaddr_un for a path, or an abstract name ("@name" → leading NUL, length without a terminator). */
function sockaddr(socketPath: string): { addr: Uint8Array; len: number } {
  const abstract = socketPath.startsWith("@");
  const name = Buffer.from(abstract ? socketPath.slice(1) : socketPath);
  if (name.length + 1 > SUN_PATH_MAX) throw new Error(`NOTIFY_SOCKET path too long: ${socketPath}`);
  const addr = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true); // sa_family_t, host order (little-endian on arm64 and x64)
  addr.set(name, abstract ? 3 : 2);
  return { addr, len: 2 + name.length + 1 };
}

/** Sends `state` (e.g. "READY=1", "WATCHDOG=1") to systemd. False when not under systemd or the send failed. */
export function sdNotify(state: string, socketPath = process.env.NOTIFY_SOCKET): boolean {
  if (!socketPath) return false;
  const c = openLibc();
  const { addr, len } = sockaddr(socketPath);
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  try {
    const msg = Buffer.from(state);
    return Number(c.sendto(fd, ptr(msg), msg.length, 0, ptr(addr), len)) === msg.length;
  } finally {
    c.close(fd);
  }
}

/** Half of WATCHDOG_USEC (systemd's advice), when the watchdog is on and meant for this process; else null. */
export function watchdogPingMs(env = process.env): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.NOTIFY_SOCKET || !Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== process.pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

export type Notifier = { ready(status: string): void; stop(): void };

/**
 * Tells systemd READY=1 when the daemon is up, then pings WATCHDOG=1 every half watchdog period while `stuck()`
 * returns null; when it returns a reason the pings stop (systemd kills and restarts the agent after WatchdogSec)
 * and STATUS= says why. STOPPING=1 on stop.
 */
export function startNotifier(stuck: () => string | null, log: (line: string) => void): Notifier {
  const period = watchdogPingMs();
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastReason: string | null = null;
  const tick = () => {
    const reason = stuck();
    if (reason === null) {
      sdNotify("WATCHDOG=1");
      if (lastReason !== null) sdNotify("STATUS=running");
    } else if (reason !== lastReason) {
      log(`watchdog: not pinging systemd: ${reason}`);
      sdNotify(`STATUS=stuck: ${reason}`);
    }
    lastReason = reason;
  };
  return {
    ready(status) {
      if (!process.env.NOTIFY_SOCKET) return;
      if (!sdNotify(`READY=1\nSTATUS=${status}`)) log(`systemd notify to ${process.env.NOTIFY_SOCKET} failed`);
      if (period !== null) timer = setInterval(tick, period);
    },
    stop() {
      if (timer) clearInterval(timer);
      sdNotify("STOPPING=1");
    },
  };
}
