#!/bin/sh
# edge-agent installer.
#
#   curl -fsSL https://get.edge-agent.dev/install.sh | sudo sh
#   curl -fsSL https://get.edge-agent.dev/install.sh | sudo EDGE_AGENT_CLUSTER=edge1.… sh
#   curl -fsSL https://get.edge-agent.dev/install.sh | sudo sh -s -- join --cluster edge1.…
#
# Detects the architecture, downloads the binary and SHA256SUMS from $EDGE_AGENT_BASE_URL/<version>/, refuses a
# binary whose checksum does not match, installs /usr/local/bin/edge-agent, writes the systemd unit, its env file
# and /usr/local/bin/edge-agent-uninstall.sh, runs `edge-agent init` when there is no config, joins a cluster when
# given a token, then enables and starts the service. Running it again with nothing changed restarts nothing.
#
# Environment:
#   EDGE_AGENT_BASE_URL       where releases live (default below); the layout is <base>/latest (a version) and
#                             <base>/<version>/{edge-agent-linux-arm64,edge-agent-linux-x64,SHA256SUMS}
#   EDGE_AGENT_VERSION        install this version instead of <base>/latest
#   EDGE_AGENT_SKIP_DOWNLOAD  "true": use the binary already at /usr/local/bin/edge-agent (offline install)
#   EDGE_AGENT_CLUSTER        join token (same as `sh -s -- join --cluster TOKEN`)
#   EDGE_AGENT_NAME           node name for `init` (default: the host name)
#   EDGE_AGENT_RPC            chain JSON-RPC endpoint(s) for `init`, space-separated
#   EDGE_AGENT_SKIP_START     "true": write everything but do not enable or start the service
#
# The whole script is one { … } block: sh parses a compound command to its closing brace before running any of
# it, so a download cut short anywhere is a syntax error and executes nothing.
{
set -eu

DEFAULT_BASE_URL=https://get.edge-agent.dev/releases
BIN_DIR=/usr/local/bin
BIN=$BIN_DIR/edge-agent
UNINSTALL=$BIN_DIR/edge-agent-uninstall.sh
UNIT=/etc/systemd/system/edge-agent.service
CONFIG_DIR=/etc/edge-agent
CONFIG=$CONFIG_DIR/config.toml
ENV_FILE=$CONFIG_DIR/edge-agent.env
DATA_DIR=/var/lib/edge-agent

info() { echo "[edge-agent] $*"; }
warn() { echo "[edge-agent] warning: $*" >&2; }
fatal() { echo "[edge-agent] error: $*" >&2; exit 1; }

parse_args() {
  CLUSTER_TOKEN=${EDGE_AGENT_CLUSTER:-}
  while [ $# -gt 0 ]; do
    case $1 in
      join) ;;
      --cluster) [ $# -ge 2 ] || fatal "--cluster needs a token"; CLUSTER_TOKEN=$2; shift ;;
      --cluster=*) CLUSTER_TOKEN=${1#--cluster=} ;;
      -h|--help) echo "usage: install.sh [join --cluster TOKEN]   (environment: see the top of install.sh)"; exit 0 ;;
      *) fatal "unknown argument '$1' (expected: join --cluster TOKEN)" ;;
    esac
    shift
  done
}

verify_root() {
  [ "$(id -u)" -eq 0 ] || fatal "run me as root: curl -fsSL <url>/install.sh | sudo sh"
}

detect_arch() {
  machine=$(uname -m)
  case $machine in
    aarch64|arm64) ARCH=arm64 ;;
    x86_64|amd64) ARCH=x64 ;;
    *) fatal "unsupported architecture '$machine': edge-agent is built for aarch64/arm64 (64-bit Raspberry Pi OS) and x86_64; a 32-bit OS on a Pi 3/4/5 needs the 64-bit image" ;;
  esac
}

verify_systemd() {
  [ -d /run/systemd/system ] || fatal "systemd is not running (it is what keeps edge-agent running unattended); on a system without it, copy the binary by hand and start 'edge-agent run' yourself"
  command -v systemctl >/dev/null 2>&1 || fatal "systemctl not found"
}

# --- download and verify -------------------------------------------------------------------------------------
fetch() { # url file
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1" || fatal "download of $1 failed"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || fatal "download of $1 failed"
  else
    fatal "neither curl nor wget is installed: apt-get install curl"
  fi
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

download_and_verify() {
  if [ "${EDGE_AGENT_SKIP_DOWNLOAD:-}" = true ]; then
    [ -x "$BIN" ] || fatal "EDGE_AGENT_SKIP_DOWNLOAD=true but there is no executable $BIN: copy edge-agent-linux-$ARCH there first"
    info "offline install: using the binary already at $BIN"
    return
  fi
  base=${EDGE_AGENT_BASE_URL:-$DEFAULT_BASE_URL}
  base=${base%/}
  version=${EDGE_AGENT_VERSION:-}
  if [ -z "$version" ]; then
    fetch "$base/latest" "$TMP/latest"
    version=$(tr -d ' \r\n' <"$TMP/latest")
    [ -n "$version" ] || fatal "$base/latest is empty"
  fi
  name=edge-agent-linux-$ARCH
  info "downloading edge-agent $version ($name) from $base"
  fetch "$base/$version/SHA256SUMS" "$TMP/SHA256SUMS"
  expected=$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1 }' "$TMP/SHA256SUMS")
  [ -n "$expected" ] || fatal "$base/$version/SHA256SUMS has no line for $name"
  if [ -x "$BIN" ] && [ "$(sha256_of "$BIN")" = "$expected" ]; then
    info "$BIN is already edge-agent $version"
    return
  fi
  fetch "$base/$version/$name" "$TMP/$name"
  actual=$(sha256_of "$TMP/$name")
  [ "$actual" = "$expected" ] || fatal "checksum mismatch for $name: SHA256SUMS says $expected, the download is $actual; nothing was installed"
  chmod 0755 "$TMP/$name"
  mkdir -p "$BIN_DIR"
  # Same filesystem, then rename: a running agent keeps its old inode, nothing ever sees half a binary.
  cp "$TMP/$name" "$BIN.new" && mv -f "$BIN.new" "$BIN"
  CHANGED=true
  info "installed $BIN ($version, sha256 $actual)"
}

# --- what a Pi commonly lacks --------------------------------------------------------------------------------
check_prerequisites() {
  if ! command -v docker >/dev/null 2>&1 && [ ! -S /var/run/docker.sock ]; then
    warn "Docker Engine not found; edge-agent runs containers through it. Install it with: apt-get install -y docker.io   (or: curl -fsSL https://get.docker.com | sh)"
  elif [ ! -S /var/run/docker.sock ]; then
    warn "Docker is installed but /var/run/docker.sock is missing: systemctl enable --now docker"
  fi
  if ! memory_cgroup_enabled; then
    cmdline=/boot/firmware/cmdline.txt
    [ -f "$cmdline" ] || cmdline=/boot/cmdline.txt
    warn "the memory cgroup is disabled, so container memory limits and usage do not work: append 'cgroup_enable=memory cgroup_memory=1' to the single line in $cmdline and reboot"
  fi
  if command -v timedatectl >/dev/null 2>&1; then
    if [ "$(timedatectl show -p NTPSynchronized --value 2>/dev/null || echo unknown)" != yes ]; then
      warn "the clock is not NTP-synchronised (a Pi has no battery clock); liveness and events use timestamps: apt-get install -y systemd-timesyncd && timedatectl set-ntp true"
    fi
  fi
}

memory_cgroup_enabled() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    grep -qw memory /sys/fs/cgroup/cgroup.controllers
  else
    awk '$1 == "memory" && $4 == 1 { found = 1 } END { exit !found }' /proc/cgroups
  fi
}

# --- files ---------------------------------------------------------------------------------------------------
# Writes stdin to $1 with mode $2 only when the content differs; sets CHANGED and reports it.
write_if_changed() {
  cat >"$TMP/new"
  if [ -f "$1" ] && cmp -s "$TMP/new" "$1"; then return 1; fi
  mkdir -p "$(dirname "$1")"
  chmod "$2" "$TMP/new"
  mv -f "$TMP/new" "$1" 2>/dev/null || { cp "$TMP/new" "$1" && chmod "$2" "$1"; }
  info "wrote $1"
  CHANGED=true
}

write_env_file() {
  write_if_changed "$ENV_FILE" 0600 <<EOF || true
# edge-agent service environment, written by install.sh (rewritten on the next install).
EDGE_AGENT_CONFIG=$CONFIG
EDGE_AGENT_BASE_URL=${EDGE_AGENT_BASE_URL:-$DEFAULT_BASE_URL}
NO_COLOR=1
EOF
}

write_unit() {
  if write_if_changed "$UNIT" 0644 <<EOF
# edge-agent, written by install.sh. Local changes belong in: systemctl edit edge-agent
[Unit]
Description=edge-agent fog cluster agent
Documentation=https://get.edge-agent.dev
Wants=network-online.target
After=network-online.target docker.service time-sync.target
# Never give up restarting: an unattended node has nobody to run 'systemctl reset-failed'.
StartLimitIntervalSec=0

[Service]
Type=notify
NotifyAccess=main
EnvironmentFile=-$ENV_FILE
ExecStart=$BIN run
ExecReload=/bin/kill -HUP \$MAINPID
Restart=always
RestartSec=5s
TimeoutStartSec=120s
TimeoutStopSec=60s
# The agent sends WATCHDOG=1 only while its reconcile loop makes progress; a stuck agent is killed and restarted.
WatchdogSec=60s
# SIGTERM to the agent only: containers belong to dockerd and keep running.
KillMode=mixed
LimitNOFILE=65536
TasksMax=512
MemoryMax=512M
UMask=0077
NoNewPrivileges=yes
ProtectHome=read-only
PrivateTmp=yes
StandardOutput=journal
StandardError=journal
SyslogIdentifier=edge-agent

[Install]
WantedBy=multi-user.target
EOF
  then UNIT_CHANGED=true; fi
}

write_uninstall() {
  write_if_changed "$UNINSTALL" 0755 <<EOF || true
#!/bin/sh
# Removes what edge-agent's install.sh added. --keep-data keeps $CONFIG_DIR and $DATA_DIR (config, node key,
# local database); without it they are deleted too. Containers edge-agent started keep running.
{
set -eu
[ "\$(id -u)" -eq 0 ] || { echo "run me as root" >&2; exit 1; }
keep_data=false
case "\${1:-}" in --keep-data) keep_data=true ;; "") ;; *) echo "usage: \$0 [--keep-data]" >&2; exit 2 ;; esac
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now edge-agent.service >/dev/null 2>&1 || true
fi
rm -f "$UNIT"
rm -rf /etc/systemd/system/edge-agent.service.d
command -v systemctl >/dev/null 2>&1 && systemctl daemon-reload >/dev/null 2>&1 || true
rm -f "$BIN" "$BIN.new" "$BIN.old" "$ENV_FILE"
if [ "\$keep_data" = true ]; then
  echo "[edge-agent] kept $CONFIG_DIR and $DATA_DIR"
else
  rm -rf "$CONFIG_DIR" "$DATA_DIR"
fi
rm -f "$UNINSTALL"
echo "[edge-agent] uninstalled"
}
EOF
}

# --- node setup ----------------------------------------------------------------------------------------------
# The agent records the cluster it belongs to in its data dir (never in the config); `cluster show` reads it there.
in_cluster() { "$BIN" cluster show --config "$CONFIG" >/dev/null 2>&1; }

init_node() {
  if [ -f "$CONFIG" ]; then
    info "keeping the existing config $CONFIG"
    return
  fi
  set -- init --config "$CONFIG" --data-dir "$DATA_DIR"
  [ -z "${EDGE_AGENT_NAME:-}" ] || set -- "$@" --name "$EDGE_AGENT_NAME"
  for rpc in ${EDGE_AGENT_RPC:-}; do set -- "$@" --rpc "$rpc"; done
  address=$("$BIN" "$@") || fatal "'edge-agent init' failed (see above)"
  info "initialised node $address ($CONFIG)"
  CHANGED=true
}

join_cluster() {
  [ -n "$CLUSTER_TOKEN" ] || return 0
  if in_cluster; then
    info "already in a cluster (see: edge-agent cluster show); ignoring the join token"
    return
  fi
  "$BIN" join --config "$CONFIG" --cluster "$CLUSTER_TOKEN" || fatal "'edge-agent join' failed (see above); run install.sh again once it can"
  CHANGED=true
}

start_service() {
  if [ "${EDGE_AGENT_SKIP_START:-}" = true ]; then
    info "EDGE_AGENT_SKIP_START=true: not enabling or starting edge-agent.service"
    return
  fi
  [ "$UNIT_CHANGED" = false ] || systemctl daemon-reload
  systemctl is-enabled --quiet edge-agent.service 2>/dev/null || systemctl enable --quiet edge-agent.service
  if ! in_cluster; then
    info "edge-agent.service is enabled; it starts once this node is in a cluster:"
    info "  edge-agent cluster create   (first node)   or   edge-agent join --cluster TOKEN"
    info "  then: systemctl start edge-agent"
    return
  fi
  if ! systemctl is-active --quiet edge-agent.service; then
    systemctl start edge-agent.service
    info "started edge-agent.service"
  elif [ "$CHANGED" = true ]; then
    systemctl restart edge-agent.service
    info "restarted edge-agent.service"
  else
    info "nothing changed; edge-agent.service keeps running"
  fi
}

main() {
  CHANGED=false
  UNIT_CHANGED=false
  parse_args "$@"
  verify_root
  detect_arch
  verify_systemd
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
  trap 'exit 130' INT TERM
  download_and_verify
  check_prerequisites
  write_env_file
  write_unit
  write_uninstall
  init_node
  join_cluster
  start_service
  info "done: 'edge-agent doctor' checks this node; $UNINSTALL removes edge-agent"
}

main "$@"
}
