#!/usr/bin/env bash
# Every test: unit, integration (real Redis + PostgreSQL), operator and chart (real
# kube-apiserver), alert rules (real promtool), the e2e chaos scenarios on the local
# provider, and the two benchmarks in --quick mode as smoke runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export HERDGUARD_KUBE_BIN="${HERDGUARD_KUBE_BIN:-$(bash scripts/ensure-kube-binaries.sh)}"
out=reports/test
mkdir -p "$out"
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

step "vitest: unit, integration, operator, chart, alerts"
npx vitest run --reporter=default --reporter=json --outputFile="$out/vitest.json"

step "e2e: every scenario on the local provider"
npm run --silent e2e -- --provider local --json "$out/e2e.json"

step "bench:herd --quick (smoke)"
npm run --silent bench:herd -- --quick --json "$out/herd.json"

step "bench:market --quick (smoke)"
npm run --silent bench:market -- --quick --json "$out/market.json"

step "done"
node -e '
const v = require("./'"$out"'/vitest.json");
const e = require("./'"$out"'/e2e.json").scenarios;
const failedE2e = Object.values(e).filter((r) => "error" in r).length;
const passed = v.numPassedTests + Object.keys(e).length - failedE2e;
const failed = v.numFailedTests + failedE2e;
console.log(`tests: ${passed} passed, ${failed} failed`);
'
