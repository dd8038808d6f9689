/**
 * observability-live (issue 7's live check): a real Prometheus (Debian's) scrapes the services
 * and the operator of a local stack — profile ×2 over PostgreSQL, market-data ×1 over the feed
 * simulator, the operator, a Redis StatefulSet (primary + replica) — every second, evaluating
 * the generated rules every second.
 *
 * 1. Baseline herd: CachePolicy `profile` applied with kubectl as bench/herd's baseline mode
 *    (fixed TTL, coalescing off, no jitter, no L1, unguarded origin); bench/herd's runOne warms
 *    every key on a pinned clock and fires the burst after they all expired, cycle after cycle.
 *    CacheHitRateLow, OriginPoolSaturated and OriginLatencyHigh must go pending (real rules,
 *    whose `for:` of 1-2 min outlasts the run) and firing in the TEST-ONLY short-`for` copy
 *    loaded beside them (alerts/live/short-for.ts).
 * 2. Events that only some series need, produced for real: a market-data WebSocket
 *    subscription (feed loops, quotes, WS connections; the loops then orphan and stop), a
 *    refused policy update (a rendered ConfigMap overwritten with invalid JSON).
 * 3. Protected herd: the same cycles with bench/herd's full policy, under a second, fresh
 *    Prometheus (so the baseline's rate windows cannot leak in): the three alerts stay inactive.
 * 4. Redis primary killed: the operator promotes the replica (promotions, failover duration).
 * 5. Every dashboard query, alert signal and alert expression is evaluated on the first
 *    Prometheus (which saw all of it); a required query without data fails the scenario.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { RULES_FILE } from '../../alerts/generate.js';
import { alertState, evaluateAll, liveQueries, summarize, type LiveResult, type Need } from '../../alerts/live/check.js';
import { HERD_ALERTS, observePhases, type PhaseOutcome } from '../../alerts/live/observe.js';
import { startPrometheus, type LivePrometheus, type ScrapeTarget } from '../../alerts/live/prometheus.js';
import { writeShortForCopy } from '../../alerts/live/short-for.js';
import { HttpLoad } from '../../bench/herd/burst.js';
import { metricValue } from '../../bench/herd/fleet.js';
import { policySpec, type Mode } from '../../bench/herd/modes.js';
import { runOne, type RunSizes } from '../../bench/herd/run.js';
import { sampleValue } from '../../example-app/cache/metrics/exposition.js';
import { defaultPolicySpec as marketDataPolicy } from '../../example-app/market-data/default-policy.js';
import { LoadClient } from '../../example-app/market-data/load-client.js';
import { createRedisClient } from '../../example-app/profile/app.js';
import { ProfileDb } from '../../example-app/profile/db.js';
import { POLICY_KEY, renderedConfigMapName } from '../../operator/names.js';
import { startProcess, tempDir, freePort, waitFor, type Managed } from '../local/process.js';
import type { Provider } from '../providers/provider.js';
import { KubeApi, NS, PROFILE_REDIS, until } from './redis-kit.js';
import type { Scenario, ScenarioResult } from './scenario.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROFILES = 2;
/** Small enough for 2 shared cores; a baseline burst still queues hundreds on each pool of 10. */
const SIZES: RunSizes = { users: 3000, burst: 1500, ttlMs: 2000, l1TtlMs: 500, seed: 7 };
/** `for:` of the TEST-ONLY rule copy. */
const SHORT_FOR_S = 5;
const SYMBOLS = ['SPY', 'AAPL', 'MSFT', 'NVDA', 'AMZN'];
/** Needs this run does not produce, and why. */
const NOT_PRODUCED: Partial<Record<Need, string>> = {
  rebalance: 'herdguard_ws_rebalanced_total gets its series on the first rebalance, which needs 2+ market-data pods and a skewed connection spread; this run has one market-data pod',
};

/** The CachePolicy of the profile service in a herd-lab mode, plus the Redis the operator manages. */
const profileSpec = (mode: Mode) => ({ ...policySpec(mode, SIZES), redis: PROFILE_REDIS });

function scrapeTargets(p: Provider): ScrapeTarget[] {
  return p
    .processes()
    .filter((n) => n.startsWith('operator') || n.startsWith('profile-') || n.startsWith('market-data-'))
    .map((n) => ({ job: n.startsWith('operator') ? 'operator' : n.replace(/-\d+$/, ''), address: new URL(p.endpoint(n)).host }));
}

const profileEndpoints = (p: Provider) => p.processes().filter((n) => n.startsWith('profile-')).map((n) => p.endpoint(n));

/** kubectl apply of the profile CachePolicy; resolves once every profile pod reports the new generation. */
async function applyProfilePolicy(p: Provider, mode: Mode): Promise<number> {
  const manifest = p.cachePolicy(NS, { name: 'profile', replicas: PROFILES, policySpec: profileSpec(mode) });
  const generation = Number((await p.kubectl(['apply', '-f', '-', '-o', 'jsonpath={.metadata.generation}'], JSON.stringify(manifest))).trim());
  for (const url of profileEndpoints(p)) {
    await waitFor(`${url} applied CachePolicy profile generation ${generation} (${mode})`, async () => {
      const text = await fetch(`${url}/metrics`).then((r) => r.text());
      return metricValue(text, 'herdguard_policy_generation_applied', { service: 'profile' }) === generation;
    }, 30_000);
  }
  return generation;
}

interface HerdKit {
  readonly load: HttpLoad;
  readonly db: ProfileDb;
  readonly admin: pg.Client;
  readonly redisUrl: string;
  close(): Promise<void>;
}

async function herdKit(p: Provider): Promise<HerdKit> {
  const rp = p;
  const primary = rp.redisAddress('redis-0');
  const redisUrl = `redis://:${encodeURIComponent(primary.password)}@${primary.host}:${primary.port}`;
  const admin = new pg.Client({ connectionString: rp.databaseUrl() });
  await admin.connect();
  const db = new ProfileDb({ url: rp.databaseUrl(), poolMax: 4, service: 'observability-live-warm' });
  const load = new HttpLoad(profileEndpoints(p), Math.ceil(SIZES.burst / PROFILES) + 8);
  return {
    load,
    db,
    admin,
    redisUrl,
    async close() {
      await load.close();
      await db.close();
      await admin.end();
    },
  };
}

/** bench/herd's runOne (flush, aligned warm, steady burst, wait for the common expiry, herd burst) until `ms` has passed. */
async function herdCycles(ctx: { log(m: string): void }, kit: HerdKit, mode: Mode, ms: number): Promise<{ cycles: number; originPerKey: number[]; peakPoolWaiting: number }> {
  const redis = createRedisClient(kit.redisUrl);
  const until = Date.now() + ms;
  const originPerKey: number[] = [];
  let peakPoolWaiting = 0;
  try {
    for (let i = 0; Date.now() < until; i++) {
      const r = await runOne({ mode, dist: 'uniform', sizes: { ...SIZES, seed: SIZES.seed + i }, load: kit.load, redis, redisUrl: kit.redisUrl, db: kit.db, admin: kit.admin, log: () => undefined });
      originPerKey.push(r.originQueriesPerKey);
      peakPoolWaiting = Math.max(peakPoolWaiting, r.peakPoolWaiting);
      ctx.log(`  ${mode} cycle ${i + 1}: origin ${r.originQueriesPerKey.toFixed(2)}/key, herd p99 ${r.p99Ms.toFixed(0)} ms, peak pool waiting ${r.peakPoolWaiting}, errors ${r.errors}`);
    }
  } finally {
    redis.disconnect();
  }
  return { cycles: originPerKey.length, originPerKey, peakPoolWaiting };
}

/** A short WebSocket subscription on market-data: loops start, quotes flow, then every client leaves. */
async function feedSubscription(p: Provider, ms: number): Promise<number> {
  const base = p.endpoint('market-data-0').replace(/^http/, 'ws');
  const lc = new LoadClient({ connections: SYMBOLS.length * 2, symbols: SYMBOLS, initialUrl: () => base, reconnectUrl: base });
  try {
    await lc.start();
    await sleep(ms);
    return lc.stats().quotes;
  } finally {
    await lc.stop();
  }
}

/** A policy update the service refuses: the rendered ConfigMap overwritten with invalid JSON (the operator re-renders it). */
async function refusedPolicyUpdate(p: Provider): Promise<void> {
  const cm = renderedConfigMapName('market-data');
  await p.kubectl(['patch', 'configmap', cm, '-n', NS, '--type', 'merge', '-p', JSON.stringify({ data: { [POLICY_KEY]: '{"not": valid json' } })]);
  await waitFor('market-data counted a refused policy update', async () => {
    const text = await fetch(`${p.endpoint('market-data-0')}/metrics`).then((r) => r.text());
    return (sampleValue(text, 'herdguard_policy_reload_errors_total') ?? 0) > 0;
  }, 15_000);
}

async function startFeedSimulator(): Promise<{ proc: Managed; url: string }> {
  const port = await freePort();
  const proc = startProcess('feed-simulator', process.execPath, ['--import', 'tsx', 'example-app/feed-simulator/main.ts'], {
    cwd: ROOT,
    logDir: tempDir('feed-simulator'),
    env: { ...process.env, PORT: String(port), RATE_LIMIT: '1000', LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`feed simulator on ${url} (log ${proc.logFile})`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`feed simulator exited with ${proc.child.exitCode}`);
      return (await fetch(`${url}/symbols`).catch(() => undefined))?.ok === true;
    }, 60_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { proc, url };
}

async function withPrometheus<T>(p: Provider, ruleFiles: readonly string[], fn: (prom: LivePrometheus) => Promise<T>): Promise<T> {
  const prom = await startPrometheus({ targets: scrapeTargets(p), ruleFiles });
  try {
    await prom.waitForTargets();
    return await fn(prom);
  } finally {
    await prom.stop();
  }
}

const fmt = (o: PhaseOutcome) =>
  `real rules ${JSON.stringify(o.states)}; short-for copy ${JSON.stringify(o.shortForStates ?? {})}; signals at the end ${JSON.stringify(o.signals)}`;

export const observabilityLive: Scenario = {
  name: 'observability-live',
  description: 'real Prometheus scrapes profile, market-data and the operator through a baseline and a protected herd; every dashboard query and alert expression evaluated; herd alerts fire in baseline only',
  async run(ctx): Promise<ScenarioResult> {
    const herdMs = ctx.quick ? 35_000 : 50_000;
    const p = ctx.provider;
    const sim = await startFeedSimulator();
    let kit: HerdKit | undefined;
    let api: KubeApi | undefined;
    try {
      await p.deployStack({
        namespace: NS,
        redis: { pods: 2 },
        postgres: { users: SIZES.users },
        services: [
          { name: 'profile', replicas: PROFILES, policySpec: profileSpec('baseline') },
          { name: 'market-data', replicas: 1, policySpec: marketDataPolicy, env: { UPSTREAM_URL: sim.url } },
        ],
      });
      api = new KubeApi(p.kubeconfigPath, p.policyName('profile'), (n) => p.podName(n));
      await until('the operator published the Redis primary', async () => (await api?.renderedPrimary()) != null, 60_000);
      ctx.log(`stack up: ${p.processes().join(', ')}`);
      kit = await herdKit(p);
      const k = kit;
      const rulesCopy = writeShortForCopy(RULES_FILE, tempDir('rules-live-copy'), SHORT_FOR_S);
      const ruleFiles = [RULES_FILE, rulesCopy];
      ctx.log(`rules: ${RULES_FILE} and the TEST-ONLY copy ${rulesCopy} (every for: ${SHORT_FOR_S}s, label live_copy="short-for")`);

      const report = await withPrometheus(p, ruleFiles, async (promA) => {
        await applyProfilePolicy(p, 'baseline');
        let baseHerd: Awaited<ReturnType<typeof herdCycles>> | undefined;
        const [base] = await observePhases(
          promA,
          [{ name: 'baseline', run: async () => {
                baseHerd = await herdCycles(ctx, k, 'baseline', herdMs);
              }, mustFire: HERD_ALERTS, mustStaySilent: [] }],
          { shortForCopy: true },
        );
        ctx.log(`baseline (${base!.seconds.toFixed(0)} s, ${baseHerd?.cycles} cycles): ${fmt(base!)}`);

        const quotes = await feedSubscription(p, 4000);
        ctx.log(`market-data WS subscription: ${quotes} quotes received`);
        await refusedPolicyUpdate(p);
        ctx.log('refused policy update counted by market-data');

        await applyProfilePolicy(p, 'full');
        let protHerd: Awaited<ReturnType<typeof herdCycles>> | undefined;
        const prot = await withPrometheus(p, ruleFiles, async (promB) => {
          const [o] = await observePhases(
            promB,
            [{ name: 'protected', run: async () => {
                protHerd = await herdCycles(ctx, k, 'full', herdMs);
              }, mustFire: [], mustStaySilent: HERD_ALERTS }],
            { shortForCopy: true },
          );
          return o!;
        });
        ctx.log(`protected (${prot.seconds.toFixed(0)} s, ${protHerd?.cycles} cycles): ${fmt(prot)}`);

        // Failover: kill -9 the primary; the operator promotes the replica.
        const before = await api!.renderedPrimary();
        await p.kill('redis-0');
        await until('the operator promoted the replica', async () => {
          const now = await api!.renderedPrimary();
          return now !== null && now !== before;
        }, 30_000);
        await until('Prometheus scraped the promotion', async () => (await promA.query('herdguard_redis_promotions_total')).length > 0, 15_000);
        ctx.log(`primary ${String(before)} killed; promoted ${String(await api!.renderedPrimary())}`);
        await sleep(2000);
        const promotionAlert = await alertState(promA, 'RedisPromotionHappened', 30);
        ctx.log(`RedisPromotionHappened after the kill: ${promotionAlert}`);

        const provided = new Set<Need>(['herd', 'operator', 'feeds', 'failover', 'errors']);
        const results = await evaluateAll(promA, liveQueries('2m'), provided);
        return { base: base!, prot, results, provided, baseHerd, protHerd, promotionAlert };
      });

      const { base, prot, results } = report;
      ctx.log(summarize(results));
      const notRequired = results.filter((r) => !report.provided.has(r.need));
      for (const r of notRequired) ctx.log(`  not produced in this run (${NOT_PRODUCED[r.need] ?? r.need}): ${r.source}`);
      const problems = [
        ...base.problems,
        ...prot.problems,
        ...(report.promotionAlert === 'firing' ? [] : [`RedisPromotionHappened was ${report.promotionAlert} after the primary kill, not firing`]),
        ...results.filter((r) => r.failed).map((r) => `${r.source}: ${r.error ?? 'no data'}`),
      ];
      if (problems.length > 0) throw new Error(`observability-live failed:\n  ${problems.join('\n  ')}`);
      const withData = (rs: readonly LiveResult[]) => rs.filter((r) => r.samples > 0).length;
      const dashboards = results.filter((r) => !r.source.startsWith('alert '));
      const signals = results.filter((r) => r.source.endsWith(' signal'));
      const exprs = results.filter((r) => r.source.endsWith(' expr'));
      return {
        prometheus: 'Debian /usr/bin/prometheus, scrape 1s, eval 1s',
        shortForCopySeconds: SHORT_FOR_S,
        liveQueries: results.length,
        dashboardQueries: dashboards.length,
        dashboardQueriesWithData: withData(dashboards),
        alertSignals: signals.length,
        alertSignalsWithData: withData(signals),
        alertExpressions: exprs.length,
        alertExpressionsEvaluated: exprs.filter((r) => !r.error).length,
        alertExpressionsWithData: withData(exprs),
        notProduced: notRequired.map((r) => r.source).join('; ') || 'none',
        baselineCycles: report.baseHerd?.cycles ?? 0,
        baselineOriginPerKey: Number(Math.max(...(report.baseHerd?.originPerKey ?? [NaN])).toFixed(3)),
        baselinePeakPoolWaiting: report.baseHerd?.peakPoolWaiting ?? 0,
        protectedCycles: report.protHerd?.cycles ?? 0,
        protectedOriginPerKey: Number(Math.max(...(report.protHerd?.originPerKey ?? [NaN])).toFixed(3)),
        protectedPeakPoolWaiting: report.protHerd?.peakPoolWaiting ?? 0,
        baselineAlerts: JSON.stringify(base.states),
        baselineAlertsShortFor: JSON.stringify(base.shortForStates),
        protectedAlerts: JSON.stringify(prot.states),
        protectedAlertsShortFor: JSON.stringify(prot.shortForStates),
        baselineSignals: JSON.stringify(base.signals),
        protectedSignals: JSON.stringify(prot.signals),
        promotionAlertAfterKill: report.promotionAlert,
      };
    } finally {
      await kit?.close().catch(() => undefined);
      api?.close();
      await sim.proc.stop();
    }
  },
};
