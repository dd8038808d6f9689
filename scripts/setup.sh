#!/usr/bin/env bash
# One idempotent set-up for a fresh machine (Debian, root or sudo): the system packages the
# tests and the demo run for real, node_modules, and the control-plane binaries (cached in
# ~/.cache/herdguard). Safe to run again: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/redis-server ] || need+=(redis-server)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -f /usr/share/postgresql/15/extension/pg_stat_statements.control ] || need+=(postgresql-contrib)
command -v promtool >/dev/null || need+=(prometheus)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v openssl >/dev/null || need+=(openssl)   # certificates of the local control plane
# The real node (cluster:local): container runtime, CNI plugins, packet filter, image builds.
command -v containerd >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v iptables >/dev/null || need+=(iptables)
command -v conntrack >/dev/null || need+=(conntrack)
command -v ip >/dev/null || need+=(iproute2)
command -v buildah >/dev/null || need+=(buildah)
command -v nsenter >/dev/null || need+=(util-linux)
[ -x /bin/busybox ] || need+=(busybox-static)   # the shell inside the node's locally assembled images
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  # Packages must not start their own services: the project starts what it needs, on private ports.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
fi
# Debian's packages may have started daemons on the default ports; they are not ours, leave them.

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "setup: Kubernetes binaries (control plane and node) in $(bash scripts/ensure-kube-binaries.sh node)"
