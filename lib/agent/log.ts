// Daemon log lines on stderr (the journal under systemd): a timestamp, a module, a message.
export type Log = (line: string) => void;

export function logger(module: string): Log {
  return (line) => process.stderr.write(`${new Date().toISOString()} ${module}: ${line}\n`);
}
