#!/usr/bin/env bash
# Run a command inside a fresh network namespace, so browser tests' WebRTC traffic stays on this
# machine. Chromium's WebRTC needs an interface with a default route: we add a veth pair ce0/ce1
# with 10.77.0.1/24 on ce0 and a default route through it. Nothing outside the namespace is
# reachable from inside. Needs root (or unprivileged user namespaces: then run as
# `unshare --user --map-root-user --net`). Usage: scripts/isolated.sh COMMAND [ARGS...]
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/isolated.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if [ "${CARBONEDGE_ISOLATED:-}" = "1" ]; then
  exec "$@"
fi
if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
  echo "scripts/isolated.sh: needs unshare (util-linux) and ip (iproute2)" >&2
  exit 2
fi
if [ "$(id -u)" -eq 0 ]; then
  prefix=(unshare --net)
else
  prefix=(unshare --user --map-root-user --net)
fi
export CARBONEDGE_ISOLATED=1
exec "${prefix[@]}" bash -c '
  set -euo pipefail
  ip link set lo up
  ip link add ce0 type veth peer name ce1
  ip addr add 10.77.0.1/24 dev ce0
  ip link set ce0 up
  ip link set ce1 up
  ip route add default dev ce0
  exec "$@"
' isolated "$@"
