#!/bin/sh
# Installs what edge-agent's build and tests need on Debian 12 (root): apt packages, Bun 1.3.5, npm deps, geth 1.13.15.
set -eu

BUN_VERSION=1.3.5
APT_PACKAGES="docker.io mosquitto mosquitto-clients busybox-static qemu-user qemu-user-static libc6-arm64-cross file iproute2 iptables curl debootstrap python3"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
installed=""

# Runs a command silently; shows its output only if it fails.
quietly() {
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; echo "bootstrap: failed: $*" >&2; exit 1; fi
  rm -f "$log"
}

# 1. Debian packages: only the missing ones, with a single apt-get update.
missing=""
for pkg in $APT_PACKAGES; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
  # Keep maintainer scripts from starting dockerd/mosquitto: tests start what they need themselves.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    trap 'exit 130' INT TERM
  fi
  quietly apt-get update
  # shellcheck disable=SC2086
  quietly apt-get install -y $missing
  installed="$installed$missing"
fi

# 2. Bun, from npm; the global bin dir may not be on PATH.
bun_version() { bun --version 2>/dev/null || true; }
if [ "$(bun_version)" != "$BUN_VERSION" ]; then
  quietly npm install -g "bun@$BUN_VERSION"
  npm_bin="$(npm prefix -g 2>/dev/null)/bin"
  case ":$PATH:" in *":$npm_bin:"*) ;; *)
    PATH="$npm_bin:$PATH"; export PATH
    echo "bootstrap: note: add $npm_bin to PATH" >&2 ;;
  esac
  hash -r 2>/dev/null || true
  if [ "$(bun_version)" != "$BUN_VERSION" ]; then
    echo "bootstrap: bun $BUN_VERSION installed but 'bun --version' says '$(bun_version)'" >&2
    exit 1
  fi
  installed="$installed bun@$BUN_VERSION"
fi

# 3. npm dependencies, exactly as locked.
(cd "$ROOT" && bun install --frozen-lockfile --silent)

# 4. geth v1.13.15 (full mode and its tests), the last geth that seals Clique: built from source with Go >= 1.21
#    (-checklinkname=0: Go >= 1.23 otherwise fails to link fjl/memsize), linked into /usr/local/bin.
GETH_VERSION=1.13.15
geth_version() { "$1" version 2>/dev/null | sed -n 's/^Version: //p'; }
if [ "$(geth_version geth)" != "$GETH_VERSION-stable" ]; then
  GOBIN="${GOBIN:-$HOME/go/bin}"; export GOBIN
  if [ "$(geth_version "$GOBIN/geth")" != "$GETH_VERSION-stable" ]; then
    go=$(command -v go || echo /usr/local/go/bin/go)
    if [ ! -x "$go" ]; then echo "bootstrap: building geth $GETH_VERSION needs Go >= 1.21 (none found; put go on PATH)" >&2; exit 1; fi
    quietly "$go" install -ldflags=-checklinkname=0 "github.com/ethereum/go-ethereum/cmd/geth@v$GETH_VERSION"
    installed="$installed geth@$GETH_VERSION"
  fi
  ln -sf "$GOBIN/geth" /usr/local/bin/geth
fi

echo "bootstrap: ${installed:+installed$installed; }bun $(bun --version), geth $GETH_VERSION, deps ok"
