#!/usr/bin/env bash
# Every test: unit, integration (real Redis + PostgreSQL), operator and chart (real
# kube-apiserver), alert rules (real promtool); then on the real node (kubelet, containerd,
# CNI, kube-proxy, CoreDNS, images built here with buildah): its life cycle, the chart
# installed with helm, and every e2e chaos scenario against the Helm release; last, the
# two benchmarks in --quick mode as smoke runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export HERDGUARD_KUBE_BIN="${HERDGUARD_KUBE_BIN:-$(bash scripts/ensure-kube-binaries.sh node)}"
out=reports/test
mkdir -p "$out"
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

step "lint: the layers form a DAG (dependency-cruiser)"
npm run --silent lint:layers

step "vitest: unit, integration, operator, chart, alerts"
npx vitest run --project unit --project integration --project operator --reporter=default --reporter=json --outputFile="$out/vitest.json"

step "vitest: the real node (life cycle, the chart installed with helm)"
npx vitest run --project node --no-file-parallelism --max-workers=1 --reporter=default --reporter=json --outputFile="$out/vitest-node.json"

step "e2e: every scenario on the real node, against the Helm release (--quick: shorter load phases)"
npm run --silent e2e -- --provider local --quick --json "$out/e2e.json"

step "bench:herd --quick (smoke)"
npm run --silent bench:herd -- --quick --json "$out/herd.json"

step "bench:market --quick (smoke)"
npm run --silent bench:market -- --quick --json "$out/market.json"

step "done"
node -e '
const v = [require("./'"$out"'/vitest.json"), require("./'"$out"'/vitest-node.json")];
const e = require("./'"$out"'/e2e.json").scenarios;
const failedE2e = Object.values(e).filter((r) => "error" in r).length;
const passed = v.reduce((n, r) => n + r.numPassedTests, 0) + Object.keys(e).length - failedE2e;
const failed = v.reduce((n, r) => n + r.numFailedTests, 0) + failedE2e;
console.log(`tests: ${passed} passed, ${failed} failed`);
'
