#!/usr/bin/env bash
# Builds (once) real Kubernetes binaries from the Go module proxy, cached outside the repo,
# and prints the directory holding them.
#   (no argument)  the control plane the operator tests run against (the envtest approach):
#                  kube-apiserver, etcd and kubectl. Honors KUBEBUILDER_ASSETS when it has them.
#   node           also the rest of a real node: kubelet, kube-proxy, kube-scheduler,
#                  kube-controller-manager, and CoreDNS (a module of its own).
set -euo pipefail
SET="${1:-control-plane}"
case "$SET" in control-plane|node) ;; *) echo "usage: $0 [node]  (got: $SET)" >&2; exit 2 ;; esac
COREDNS_VERSION="${HERDGUARD_COREDNS_VERSION:-v1.12.4}"

K8S_VERSION="${HERDGUARD_K8S_VERSION:-v1.34.4}"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
CACHE="${HERDGUARD_CACHE:-$HOME/.cache/herdguard}"
OUT="$CACHE/kube-$K8S_VERSION-r2"  # bump -rN when the build recipe changes

have_all() { [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ] && [ -x "$1/kubectl" ]; }

NODE_BINARIES="kubelet kube-proxy kube-scheduler kube-controller-manager coredns"
have_node() { for b in $NODE_BINARIES; do [ -x "$1/$b" ] || return 1; done; }

if [ "$SET" = control-plane ] && [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if have_all "$KUBEBUILDER_ASSETS"; then echo "$KUBEBUILDER_ASSETS"; exit 0; fi
  echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks kube-apiserver, etcd or kubectl; building into $OUT instead" >&2
fi
if have_all "$OUT/bin" && { [ "$SET" = control-plane ] || have_node "$OUT/bin"; }; then echo "$OUT/bin"; exit 0; fi

command -v go >/dev/null || { echo "error: Go is required to build kube-apiserver (install Go >= 1.24)" >&2; exit 1; }
mkdir -p "$OUT/src" "$OUT/bin"
cd "$OUT/src"
started=$(date +%s)
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
echo "building Kubernetes $K8S_VERSION ($SET) into $OUT/bin (first time only; ~10-25 min on 2 cores)" >&2

# The kubernetes module points its staging modules at ./staging; a wrapper module
# replaces each with the published v0.x release of the same minor. `go` itself reads the
# module's go.mod (wherever GOPROXY points), so no registry is named here.
kmod=$(cd "$OUT" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's#^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$#\1#p')
[ -f "$kmod" ] || { echo "error: go mod download did not give the go.mod of k8s.io/kubernetes $K8S_VERSION (check GOPROXY / network)" >&2; exit 1; }
staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$kmod")
[ -n "$staging" ] || { echo "error: no staging modules listed in $kmod" >&2; exit 1; }
{
  echo "module herdguard.local/kubebuild"
  echo
  echo "go 1.24.0"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  echo "replace ("
  for m in $staging; do echo "	$m => $m $STAGING_VERSION"; done
  echo ")"
} > go.mod
mkdir -p etcd
cat > etcd/main.go <<'GO'
// Command etcd is the upstream etcd server, built from the version kubernetes requires.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubectl/pkg/cmd"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-proxy/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubernetes/cmd/kubelet/app"
)
GO
go mod tidy >&2
# Stamp the version, as the upstream build does, so clients see v1.34.x and not v0.0.0.
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
build() { # name, package: each binary lands whole or not at all
  [ -x "$OUT/bin/$1" ] && return 0
  local t=$(date +%s)
  go build -trimpath -ldflags="$ldflags" -o "$OUT/bin/$1.tmp" "$2" >&2
  mv "$OUT/bin/$1.tmp" "$OUT/bin/$1"
  echo "$1: built in $(( $(date +%s) - t ))s" | tee -a "$OUT/build-time.txt" >&2
}
build etcd ./etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kubectl k8s.io/kubernetes/cmd/kubectl
if [ "$SET" = node ]; then
  for b in kubelet kube-proxy kube-scheduler kube-controller-manager; do build "$b" "k8s.io/kubernetes/cmd/$b"; done
  if [ ! -x "$OUT/bin/coredns" ]; then
    # CoreDNS is a module of its own; built static so it runs in a scratch image.
    t=$(date +%s)
    GOBIN="$OUT/coredns-bin" CGO_ENABLED=0 GOFLAGS= go install -trimpath -ldflags='-s -w' "github.com/coredns/coredns@$COREDNS_VERSION" >&2
    mv "$OUT/coredns-bin/coredns" "$OUT/bin/coredns"
    echo "coredns $COREDNS_VERSION: built in $(( $(date +%s) - t ))s" | tee -a "$OUT/build-time.txt" >&2
  fi
fi
echo "total: $(( $(date +%s) - started ))s ($SET)" | tee -a "$OUT/build-time.txt" >&2
echo "$OUT/bin"
