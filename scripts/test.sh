#!/usr/bin/env bash
# Every test: unit, integration (real Redis + PostgreSQL), operator (real kube-apiserver),
# alert rules (real promtool), chart, and the e2e chaos scenarios on the local provider.
set -euo pipefail
cd "$(dirname "$0")/.."
export HERDGUARD_KUBE_BIN="${HERDGUARD_KUBE_BIN:-$(bash scripts/ensure-kube-binaries.sh)}"
mkdir -p reports
npx vitest run
