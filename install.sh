#!/bin/sh
# edge-agent installer for `curl -fsSL …/install.sh | sh` — NOT WRITTEN YET.
# A later issue writes it (arch detection, checksum check, systemd unit, uninstall script).
# Until then, build with `bun run build` and copy dist/edge-agent-linux-<arch> to /usr/local/bin/edge-agent.
main() {
  echo "edge-agent install.sh is not written yet: build with 'bun run build' and copy dist/edge-agent-linux-<arch> to /usr/local/bin/edge-agent" >&2
  exit 1
}
main "$@"
