#!/usr/bin/env bash
# Builds (once) the real control-plane binaries the operator tests run against:
# kube-apiserver, etcd and kubectl, from the Go module proxy (the envtest approach).
# Prints the directory holding them. Honors KUBEBUILDER_ASSETS when it already has them.
set -euo pipefail

K8S_VERSION="${HERDGUARD_K8S_VERSION:-v1.34.4}"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
CACHE="${HERDGUARD_CACHE:-$HOME/.cache/herdguard}"
OUT="$CACHE/kube-$K8S_VERSION-r2"  # bump -rN when the build recipe changes

have_all() { [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ] && [ -x "$1/kubectl" ]; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if have_all "$KUBEBUILDER_ASSETS"; then echo "$KUBEBUILDER_ASSETS"; exit 0; fi
  echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks kube-apiserver, etcd or kubectl; building into $OUT instead" >&2
fi
if have_all "$OUT/bin"; then echo "$OUT/bin"; exit 0; fi

command -v go >/dev/null || { echo "error: Go is required to build kube-apiserver (install Go >= 1.24)" >&2; exit 1; }
mkdir -p "$OUT/src" "$OUT/bin"
cd "$OUT/src"
started=$(date +%s)
echo "building kube-apiserver, etcd and kubectl $K8S_VERSION into $OUT/bin (first time only; ~15-30 min on 2 cores)" >&2

# The kubernetes module points its staging modules at ./staging; a wrapper module
# replaces each with the published v0.x release of the same minor.
staging=$(curl -fsSL "${GOPROXY_BASE:-https://proxy.golang.org}/k8s.io/kubernetes/@v/$K8S_VERSION.mod" \
  | sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p')
[ -n "$staging" ] || { echo "error: could not read the staging module list of k8s.io/kubernetes $K8S_VERSION from the Go module proxy" >&2; exit 1; }
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
)
GO
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
go mod tidy >&2
# Stamp the version, as the upstream build does, so clients see v1.34.x and not v0.0.0.
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
go build -trimpath -ldflags='-s -w' -o "$OUT/bin/etcd.tmp" ./etcd >&2
go build -trimpath -ldflags="$ldflags" -o "$OUT/bin/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver >&2
go build -trimpath -ldflags="$ldflags" -o "$OUT/bin/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl >&2
for b in etcd kube-apiserver kubectl; do mv "$OUT/bin/$b.tmp" "$OUT/bin/$b"; done
echo "built in $(( $(date +%s) - started ))s" | tee "$OUT/build-time.txt" >&2
echo "$OUT/bin"
