/**
 * `npm run demo -- [--quick] [--keep]`: the main job, on the real node on this machine.
 * 1. The real node (cluster:local) and `helm upgrade --install` of the chart from images
 *    built here: Redis (primary + 2 replicas), PostgreSQL with 10 000 users, the feed
 *    simulator, the operator, 3 profile and 3 market-data pods.
 * 2. The herd of seed 004 twice: every key expires at once, then 5 000 concurrent requests;
 *    first under an unprotected CachePolicy, then under the protected one, switched live
 *    with `kubectl apply` (no restart: the pods keep their L1).
 * 3. A Redis primary kill under 1 000 req/s: the operator promotes a replica.
 * 4. A report (table + plots) in reports/demo/, and the commands to explore the stack.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { stringify } from 'yaml';
import { HttpLoad } from '../bench/herd/burst.js';
import { policySpec } from '../bench/herd/modes.js';
import { herdSizes, runOne, type RunResult, type RunSizes } from '../bench/herd/run.js';
import { writeJson, writeReport, type Plot } from '../bench/lib/index.js';
import { createRedisClient } from '../example-app/profile/app.js';
import { ProfileDb } from '../example-app/profile/db.js';
import { parseFlags, runCli } from '../example-app/profile/flags.js';
import { kubeBinDir } from '../testkit/control-plane/binaries.js';
import { APPLIED_GENERATION_ANNOTATION, appliedGenerationValue } from '../lib/3-policy/names.js';
import type { ChartProvider } from './providers/chart.js';
import { providerOn } from './providers/index.js';
import { LocalCluster } from './providers/local.js';
import { resetOriginCounts } from './scenarios/postgres-faults.js';
import { runPrimaryKill } from './scenarios/redis-primary-kill.js';
import { INSTANCES, NS, PROFILE_REDIS, SERVICE, TURNOVER_POLICY, USERS } from './scenarios/kit/policies.js';
import { deployRedisStack, profileEndpoints, until } from './scenarios/kit/stack.js';
import type { ScenarioContext, ScenarioResult } from './scenarios/scenario.js';

const FLAGS = {
  quick: { type: 'bool', help: 'a smaller herd (2 000 users, bursts of 1 000) and a shorter kill phase' },
  keep: { type: 'bool', help: 'keep the stack running after the report, until Ctrl-C' },
} as const;


/** A CachePolicy manifest for the profile pods: one herd mode plus the Redis the operator fails over. */
function manifest(spec: Record<string, unknown>): string {
  return stringify(demoProvider.cachePolicy(NS, { name: SERVICE, replicas: INSTANCES, policySpec: spec }));
}

interface PodList {
  items: Array<{ metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } }>;
}

/** `kubectl apply` a policy, then wait until every profile pod reports the new generation applied. */
async function applyPolicy(provider: ChartProvider, spec: Record<string, unknown>, log: (m: string) => void): Promise<number> {
  const started = performance.now();
  await provider.kubectl(['apply', '-f', '-'], manifest(spec));
  const policy = provider.policyName(SERVICE);
  const generation = Number(await provider.kubectl(['get', 'cachepolicy', policy, '-n', NS, '-o', 'jsonpath={.metadata.generation}']));
  await until(`generation ${generation} applied on all ${INSTANCES} profile pods`, async () => {
    const pods = JSON.parse(await provider.kubectl(['get', 'pods', '-n', NS, '-l', provider.podSelector(SERVICE), '-o', 'json'])) as PodList;
    const applied = pods.items.filter((p) => p.metadata.annotations?.[APPLIED_GENERATION_ANNOTATION] === appliedGenerationValue(policy, generation));
    return applied.length === INSTANCES;
  }, 30_000);
  const ms = performance.now() - started;
  log(`kubectl apply → generation ${generation} applied in all ${INSTANCES} pods in ${ms.toFixed(0)} ms (no restart)`);
  return ms;
}

interface HerdPhase {
  readonly label: string;
  readonly applyMs: number;
  readonly result: RunResult;
}

async function herdPhases(provider: ChartProvider, sizes: RunSizes, log: (m: string) => void): Promise<HerdPhase[]> {
  const primary = await provider.kubectl(['get', 'pods', '-n', NS, '-l', 'role=primary', '-o', 'jsonpath={.items[0].metadata.name}']);
  const addr = provider.redisAddress(primary);
  const redisUrl = `redis://:${encodeURIComponent(addr.password)}@${addr.host}:${addr.port}`;
  const databaseUrl = provider.databaseUrl();
  const admin = new pg.Client({ connectionString: databaseUrl });
  const redis = createRedisClient(redisUrl);
  const db = new ProfileDb({ url: databaseUrl, poolMax: 4, service: 'demo' });
  const load = new HttpLoad(profileEndpoints(provider), Math.ceil(sizes.burst / INSTANCES) + 8);
  const phases: HerdPhase[] = [];
  try {
    await admin.connect();
    for (const [mode, label] of [
      ['baseline', 'unprotected: fixed TTL, no coalescing'],
      ['full', 'protected: jitter + single-flight + lease + early refresh + SWR + L1'],
    ] as const) {
      log(`herd, ${label}`);
      const applyMs = await applyPolicy(provider, { ...policySpec(mode, sizes), redis: PROFILE_REDIS }, log);
      const resetCounts = () => resetOriginCounts(provider, NS);
      const result = await runOne({ mode, dist: 'uniform', sizes, load, redis, redisUrl, db, admin, resetOriginCounts: resetCounts, log });
      phases.push({ label, applyMs, result });
    }
  } finally {
    await load.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    await admin.end().catch(() => undefined);
    redis.disconnect();
  }
  return phases;
}

function herdPlots(phases: readonly HerdPhase[]): Plot[] {
  const series = (pick: (r: RunResult) => Array<[number, number]>) =>
    phases.map((p) => ({ name: p.label.split(':')[0] as string, points: pick(p.result) }));
  return [
    {
      title: 'Latency during the herd (p99 per 50 ms)',
      file: 'demo-latency.svg',
      series: series((r) => r.timeline.latencyP99),
      options: { xLabel: 'ms since burst start', yLabel: 'latency ms (log)', logY: true },
    },
    {
      title: 'Origin queries during the herd (cumulative, pg_stat_statements, until refreshes settle)',
      file: 'demo-origin.svg',
      series: series((r) => r.timeline.originReads),
      options: { xLabel: 'ms since burst start', yLabel: 'origin queries' },
    },
  ];
}

function explore(provider: ChartProvider): string[] {
  const kubectl = join(kubeBinDir(), 'kubectl');
  const metrics = provider
    .processes()
    .filter((n) => !n.startsWith('redis-'))
    .map((n) => `  ${n}: ${provider.endpoint(n)}/metrics`);
  return [
    `export KUBECONFIG=${provider.kubeconfigPath}`,
    `${kubectl} get cachepolicies -A`,
    `${kubectl} describe cachepolicy ${provider.policyName(SERVICE)} -n ${NS}`,
    `${kubectl} get pods -n ${NS} -L role`,
    'metrics:',
    ...metrics,
  ];
}

const demoProvider = providerOn(new LocalCluster());

runCli(async () => {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  const quick = flags.quick ?? false;
  const sizes: RunSizes = herdSizes(quick);
  const started = performance.now();
  const log = (msg: string) => process.stdout.write(`[demo +${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
  const dir = resolve('reports/demo');
  mkdirSync(dir, { recursive: true });
  const provider = demoProvider;
  const ctx: ScenarioContext = { provider, quick, log };
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('uninstalling the release (the node stays up: npm run cluster:local -- down)');
    await provider.down();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    log('the real node: control plane, kubelet + containerd, CNI, kube-proxy, CoreDNS; images built with buildah');
    await provider.up();
    log(`stack: Redis primary + 2 replicas, PostgreSQL (${USERS} users), feed simulator, operator, ${INSTANCES} profile + ${INSTANCES} market-data`);
    const api = await deployRedisStack(ctx, {
      redisPods: 3,
      extraServices: [{ name: 'market-data', replicas: INSTANCES, policySpec: marketPolicy() }],
      feedSimulator: {},
    });
    const phases = await herdPhases(provider, sizes, log);

    log('Redis primary kill under load');
    await applyPolicy(provider, TURNOVER_POLICY, log);
    const kill = await runPrimaryKill(ctx, { deployed: api });
    const figures: ScenarioResult = kill.figures;

    const [unprotected, protectedRun] = phases as [HerdPhase, HerdPhase];
    const data = {
      generatedAt: new Date().toISOString(),
      command: `npm run demo${quick ? ' -- --quick' : ''}`,
      sizes,
      herd: phases.map((p) => ({ label: p.label, applyMs: Math.round(p.applyMs), ...p.result, timeline: undefined })),
      redisPrimaryKill: figures,
      durationSec: Math.round((performance.now() - started) / 1000),
    };
    writeJson(join(dir, 'demo.json'), data);
    const cols = ['run', 'origin queries / key', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'peak pool waiting', 'policy applied in'];
    const row = (p: HerdPhase) => [
      p.label, p.result.originQueriesPerKey, p.result.p50Ms, p.result.p99Ms, p.result.maxMs, p.result.errors,
      p.result.peakPoolWaiting, `${Math.round(p.applyMs)} ms`,
    ];
    const report = await writeReport({
      dir,
      name: 'demo',
      title: 'herdguard demo: the herd before and after, and a Redis primary kill',
      intro: [
        `Reproduce: \`${data.command}\`. ${sizes.users} users in PostgreSQL (pool 10 per pod), ${INSTANCES} profile pods, ` +
          `every key expiring at one instant, then ${sizes.burst} concurrent GETs; origin queries counted by pg_stat_statements.`,
        `Protected vs unprotected: origin queries per key ${protectedRun.result.originQueriesPerKey.toFixed(3)} vs ` +
          `${unprotected.result.originQueriesPerKey.toFixed(3)}, p99 ${protectedRun.result.p99Ms.toFixed(0)} ms vs ` +
          `${unprotected.result.p99Ms.toFixed(0)} ms, peak pool waiting ${protectedRun.result.peakPoolWaiting} vs ${unprotected.result.peakPoolWaiting}.`,
      ],
      tables: [
        { title: 'The herd', columns: cols, rows: phases.map(row) },
        { title: 'Redis primary kill (kill -9 under 1 000 GET/s)', columns: ['figure', 'value'], rows: Object.entries(figures).map(([k, v]) => [k, String(v)]) },
      ],
      plots: herdPlots(phases),
    });
    log(`report: ${report}`);
    process.stdout.write(`\n${summary(phases, figures)}\n\nExplore (the stack is ${flags.keep ? 'still running; Ctrl-C stops it' : 'stopped when the demo ends; add --keep to explore it'}):\n  ${explore(provider).join('\n  ')}\n`);
    if (flags.keep) await new Promise<never>(() => undefined);
  } finally {
    await stop();
    await sleep(0);
  }
});

function summary(phases: readonly HerdPhase[], kill: ScenarioResult): string {
  const lines = phases.map(
    (p) =>
      `  ${p.label.padEnd(72)} origin/key ${p.result.originQueriesPerKey.toFixed(3)}  p99 ${p.result.p99Ms.toFixed(0).padStart(5)} ms  errors ${p.result.errors}  pool waiting ${p.result.peakPoolWaiting}`,
  );
  return [
    'The herd:',
    ...lines,
    'Redis primary kill:',
    `  promoted ${String(kill['newPrimary'])} in ${String(kill['promotionSeconds'])} s; hit rate ${String(kill['hitRateDuring'])}; client errors ${String(kill['clientErrors'])}; primaries seen at once: ${String(kill['maxPrimariesObserved'])}`,
  ].join('\n');
}

function marketPolicy(): Record<string, unknown> {
  return {
    targetRef: { kind: 'Deployment', name: 'market-data' },
    keyspaces: [
      {
        prefix: 'quote:',
        ttl: '5s',
        jitter: { max: '1s' },
        coalescing: { local: true, distributed: true, leaseTTL: '3s', waitTimeout: '1s' },
        staleWhileRevalidate: '10s',
        staleIfError: '1m',
        l1: { maxEntries: 1000, ttl: '1s' },
        hotKeys: { threshold: 200, window: '10s', replicas: 4 },
      },
    ],
    redis: PROFILE_REDIS,
  };
}
