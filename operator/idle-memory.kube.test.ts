/**
 * The operator's idle memory as it ships: compiled with tsc (the image's build config), run
 * with plain `node` and the image's NODE_OPTIONS, against a real kube-apiserver holding 500
 * CachePolicies (the whole startup sync: 500 ConfigMaps rendered and applied). Once every
 * policy is rendered and the API traffic is quiet, its RSS is read from /proc five times
 * over 10 s; the median must stay under 100 MB (issue 15 §3). Prints the figure.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../testkit/control-plane/control-plane.js';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../testkit/process.js';
import { renderCrdYaml } from '../crds/generate.js';

const run = promisify(execFile);
const NS = 'hg-idle';
const POLICIES = 500;
const RSS_BOUND_MB = 100;
/** The operator image's NODE_OPTIONS, read from the Dockerfile so the test runs what ships. */
function imageNodeOptions(): string {
  const m = /^FROM runtime AS operator$[\s\S]*?^ENV NODE_OPTIONS="([^"]*)"$/m.exec(readFileSync('Dockerfile', 'utf8'));
  if (!m) throw new Error('expected ENV NODE_OPTIONS="..." in the Dockerfile\'s operator stage');
  return m[1] as string;
}

let cp: ControlPlane;
let operator: Managed | undefined;
let out: string;

/** Compiles the operator exactly as the Dockerfile does, into a temp dir. */
async function compile(): Promise<string> {
  const dir = tempDir('operator-js');
  await run('npx', ['tsc', '-p', 'images/tsconfig.build.json', '--outDir', dir], { maxBuffer: 16 << 20 });
  await run('node', ['images/copy-assets.mjs', dir, 'lib', 'example-app', 'operator']);
  // As in the image: the package.json (ESM) and the dependencies beside the JavaScript.
  copyFileSync('package.json', join(dir, 'package.json'));
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  return dir;
}

function rssMB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

async function applyCounts(url: string): Promise<{ applied: number; total: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let applied = 0;
  let total = 0;
  for (const m of text.matchAll(/^herdguard_operator_api_requests_total\{verb="(\w+)",resource="(\w+)"\} (\d+)/gm)) {
    if (m[1] === 'apply' && m[2] === 'configmaps') applied = Number(m[3]);
    if (m[2] !== 'leases') total += Number(m[3]);
  }
  return { applied, total };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;

beforeAll(async () => {
  [cp, out] = await Promise.all([startControlPlane(), compile()]);
  await cp.kubectl(['apply', '-f', '-'], renderCrdYaml());
  await cp.kubectl(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/cachepolicies.herdguard.io']);
  await cp.kubectl(['create', 'namespace', NS]);
  const policy = (i: number) => ({
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'CachePolicy',
    metadata: { name: `policy-${i}`, namespace: NS },
    spec: { targetRef: { kind: 'Deployment', name: `app-${i}` }, keyspaces: [{ prefix: 'k:', ttl: '60s' }] },
  });
  for (let i = 0; i < POLICIES; i += 100) {
    const items = Array.from({ length: 100 }, (_, j) => policy(i + j));
    await cp.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }
}, 600_000);

afterAll(async () => {
  await operator?.stop();
  await cp?.stop();
});

describe('the compiled operator idling with 500 CachePolicies', () => {
  it(`holds under ${RSS_BOUND_MB} MB of RSS`, async () => {
    const port = await freePort();
    operator = startProcess('operator', process.execPath, [join(out, 'operator', 'main.js')], {
      env: { ...process.env, NODE_OPTIONS: imageNodeOptions(), KUBECONFIG: cp.kubeconfigPath, LEADER_ELECTION: 'false', METRICS_PORT: String(port), NODE_ENV: 'production' },
    });
    const url = `http://127.0.0.1:${port}`;
    const proc = operator;
    await waitFor('the operator to render every policy', async () => {
      if (proc.child.exitCode !== null) throw new Error(`the operator exited with ${proc.child.exitCode}; see ${proc.logFile}`);
      return (await applyCounts(url).catch(() => ({ applied: 0, total: 0 }))).applied >= POLICIES;
    }, 300_000);
    // Settled: no request but lease upkeep for 5 s.
    for (let last = await applyCounts(url); ; ) {
      await sleep(5000);
      const now = await applyCounts(url);
      if (now.total === last.total) break;
      last = now;
    }
    const pid = operator.child.pid as number;
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(rssMB(pid));
      await sleep(2000);
    }
    const rss = Math.round(median(samples) * 10) / 10;
    const heap = (await (await fetch(`${url}/metrics`)).text()).split('\n').filter((l) => /^herdguard_operator_nodejs_(heap_size|external_memory)/.test(l));
    process.stdout.write(`${heap.join('\n')}\n`);
    process.stdout.write(`operatorRssMB ${rss} (median of ${samples.map((s) => s.toFixed(1)).join(', ')}; ${POLICIES} policies, node ${process.version})\n`);
    expect(rss).toBeLessThanOrEqual(RSS_BOUND_MB);
  }, 600_000);
});
