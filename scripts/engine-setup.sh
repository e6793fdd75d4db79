#!/usr/bin/env bash
# engine-setup.sh — install and start the container engines devarch's tests run against:
# Docker Engine with compose v2 (and a single-node swarm), and Podman with its API service. Safe to run repeatedly:
# only what is missing is installed or started. Debian 12, root.
set -euo pipefail

log() { printf 'engine-setup: %s\n' "$*" >&2; }
die() { printf 'engine-setup: error: %s\n' "$*" >&2; exit 1; }

COMPOSE_VERSION="${COMPOSE_VERSION:-v2.29.7}"
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
RUN_DIR="${ENGINE_RUN_DIR:-/var/log/devarch-engines}"
mkdir -p "$RUN_DIR"

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v podman >/dev/null 2>&1 || need_pkgs+=(podman)
# dnsname lets Podman containers on one network resolve each other by name.
for p in curl uidmap slirp4netns fuse-overlayfs iptables golang-github-containernetworking-plugin-dnsname; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$RUN_DIR/apt.log" 2>&1 || { cat "$RUN_DIR/apt.log" >&2; die "apt-get update failed"; }
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >>"$RUN_DIR/apt.log" 2>&1 \
    || { tail -30 "$RUN_DIR/apt.log" >&2; die "apt-get install ${need_pkgs[*]} failed"; }
fi

# Docker Engine: no systemd here, so dockerd runs in the background.
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  nohup dockerd >"$RUN_DIR/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -30 "$RUN_DIR/dockerd.log" >&2; die "dockerd did not answer within 60s"; }
fi

# Compose v2 is not packaged in Debian 12: build it from its Go module.
if ! docker compose version >/dev/null 2>&1; then
  log "building docker compose $COMPOSE_VERSION from its Go module (takes a few minutes)"
  gobin="$(mktemp -d)"
  GOBIN="$gobin" CGO_ENABLED=0 go install "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION" \
    || die "building compose $COMPOSE_VERSION failed"
  install -d "$PLUGIN_DIR"
  install -m 0755 "$gobin/cmd" "$PLUGIN_DIR/docker-compose"
  rm -rf "$gobin"
  docker compose version >/dev/null 2>&1 || die "docker compose still missing after install"
fi

# A single-node swarm for the swarm runtime's tests. Compose keeps working beside it.
# Overlay VIPs need IPVS, which some kernels lack: devarch's swarm stacks use dnsrr.
if [ "$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" != active ]; then
  log "initialising a single-node docker swarm"
  docker swarm init --advertise-addr 127.0.0.1 >"$RUN_DIR/swarm.log" 2>&1 \
    || { cat "$RUN_DIR/swarm.log" >&2; die "docker swarm init failed"; }
fi

# Podman 4.3 gives containers default ulimits it then fails to set where the sandbox
# forbids raising rlimits ("error setting rlimit type 6"). An empty default_ulimits
# makes containers inherit the host's own limits, which always works.
conf=/etc/containers/containers.conf
podman_pidfile="$RUN_DIR/podman.pid"
stop_podman_service() {
  local pid
  pid=$(cat "$podman_pidfile" 2>/dev/null) || return 0
  # Only the process this script started: its pid, and still a podman.
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = podman ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -f "$podman_pidfile"
}
if ! grep -qx 'default_ulimits = \[\]' "$conf" 2>/dev/null; then
  log "setting podman default_ulimits to inherit the host limits"
  mkdir -p /etc/containers
  if [ -f "$conf" ] && grep -q '^\[containers\]' "$conf"; then
    sed -i '/^default_ulimits/d' "$conf"
    sed -i 's/^\[containers\]$/[containers]\ndefault_ulimits = []/' "$conf"
  else
    printf '[containers]\ndefault_ulimits = []\n' >>"$conf"
  fi
  # A Podman service this script started earlier read the old setting:
  # stop it, by the pid recorded when it was started, so it restarts below.
  stop_podman_service
fi
if ! podman info >/dev/null 2>&1; then
  tail -20 "$RUN_DIR/apt.log" >&2 || true
  die "podman info failed"
fi
sock=/run/podman/podman.sock
if ! curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; then
  log "starting podman system service on $sock"
  mkdir -p /run/podman
  nohup podman system service --time=0 "unix://$sock" >"$RUN_DIR/podman.log" 2>&1 &
  echo $! >"$podman_pidfile"
  for _ in $(seq 1 30); do curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 || { tail -20 "$RUN_DIR/podman.log" >&2; die "podman service did not answer"; }
fi

log "ready: $(docker version --format 'docker {{.Server.Version}}'), $(docker compose version --short | sed 's/^/compose /'), $(podman version --format 'podman {{.Version}}')"
