/**
 * observability-live (issue 7's live check, on the Helm release since issue 11): a real
 * Prometheus on this host discovers the release's pods through the Kubernetes API (pod role,
 * the provider's kubeconfig; job = the pod's component) and scrapes the operator, profile ×2
 * over PostgreSQL, market-data ×1 and the chart's feed simulator every second, evaluating the
 * generated rules every second. Redis is a StatefulSet (primary + replica).
 *
 * 1. Baseline herd: the profile CachePolicy applied with kubectl as bench/herd's baseline mode
 *    (fixed TTL, coalescing off, no jitter, no L1, unguarded origin); bench/herd's runOne warms
 *    every key on a pinned clock and fires the burst after they all expired, cycle after cycle.
 *    CacheHitRateLow, OriginPoolSaturated and OriginLatencyHigh must go pending (real rules,
 *    whose `for:` of 1-2 min outlasts the run) and firing in the TEST-ONLY short-`for` copy
 *    loaded beside them (e2e/prometheus/short-for.ts).
 * 2. Events that only some series need, produced for real: a market-data WebSocket
 *    subscription (feed loops, quotes, WS connections; the loops then orphan and stop), a
 *    refused policy update (a rendered ConfigMap overwritten with invalid JSON).
 * 3. Protected herd: the same cycles with bench/herd's full policy, under a second, fresh
 *    Prometheus (so the baseline's rate windows cannot leak in): the three alerts stay inactive.
 * 4. Redis primary's container killed (-9, from the node): the operator promotes the replica
 *    (promotions, failover duration); the kubelet restarts the container, which rejoins as a
 *    replica.
 * 5. Every dashboard query, alert signal and alert expression is evaluated on the first
 *    Prometheus (which saw all of it); a required query without data fails the scenario.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RULES_FILE } from '../../alerts/generate.js';
import { alertState, evaluateAll, liveQueries, summarize, type LiveResult, type Need } from '../prometheus/check.js';
import { HERD_ALERTS, observePhases, type PhaseOutcome } from '../prometheus/observe.js';
import type { LivePrometheus } from '../prometheus/prometheus.js';
import { PROMETHEUS_MODULE_VERSION } from '../prometheus/prometheus-upstream.js';
import { writeShortForCopy } from '../prometheus/short-for.js';
import { defaultPolicySpec as marketDataPolicy } from '../../example-app/market-data/default-policy.js';
import { tempDir } from '../../testkit/process.js';
import { applyProfilePolicy, herdCycles, herdKit, PROFILES, profileSpec, PublishedPrimary, redisPrimary, SIZES, type HerdKit, type HerdOutcome } from './observability-herd.js';
import { displacedLabels, feedSubscription, refusedPolicyUpdate, withPrometheus } from './observability-prometheus.js';
import { until } from './kit/stack.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';

/**
 * A namespace of its own: the Redis scenarios share herdguard-redis, and engineers run
 * scenarios side by side on the one node.
 */
const NS = 'herdguard-observability';
/** `for:` of the TEST-ONLY rule copy. */
const SHORT_FOR_S = 5;
/** The chart's feed simulator at the rate the host process had: the subscription's loops are never refused. */
const FEED_RATE_PER_SECOND = 1000;
/** Needs this run does not produce, and why. */
const NOT_PRODUCED: Partial<Record<Need, string>> = {
  rebalance: 'herdguard_ws_rebalanced_total gets its series on the first rebalance, which needs 2+ market-data pods and a skewed connection spread; this run has one market-data pod',
  cluster: 'herdguard_redis_cluster_state is set only by the watch of a Redis Cluster (a CachePolicy with spec.redis.mode cluster); the Redis of this run is standalone',
};

const fmt = (o: PhaseOutcome) =>
  `real rules ${JSON.stringify(o.states)}; short-for copy ${JSON.stringify(o.shortForStates ?? {})}; signals at the end ${JSON.stringify(o.signals)}`;

interface Report {
  readonly base: PhaseOutcome;
  readonly prot: PhaseOutcome;
  readonly results: LiveResult[];
  readonly provided: ReadonlySet<Need>;
  readonly baseHerd: HerdOutcome | undefined;
  readonly protHerd: HerdOutcome | undefined;
  readonly promotionAlert: string;
  readonly failover: { readonly killed: string; readonly promoted: string };
  readonly displaced: string[];
}

/**
 * Kill -9 of the Redis primary's container: the operator promotes the replica and Prometheus
 * sees it. The kubelet then restarts the container, which must rejoin as a replica.
 */
async function killPrimary(ctx: ScenarioContext, api: PublishedPrimary, prom: LivePrometheus, killed: string): Promise<{ promotionAlert: string; promoted: string }> {
  const p = ctx.provider;
  const before = await api.get();
  await p.kill(killed);
  await until('the operator promoted the replica', async () => {
    const now = await api.get();
    return now !== null && now !== before;
  }, 30_000);
  await until('Prometheus scraped the promotion', async () => (await prom.query('herdguard_redis_promotions_total')).length > 0, 15_000);
  ctx.log(`primary ${killed} (${String(before)}) killed; promoted ${String(await api.get())}`);
  await sleep(2000);
  const promotionAlert = await alertState(prom, 'RedisPromotionHappened', 30);
  ctx.log(`RedisPromotionHappened after the kill: ${promotionAlert}`);
  await p.restart(killed);
  let promoted = '';
  await until(`${killed} restarted by the kubelet and one master left, not ${killed}`, async () => {
    promoted = await redisPrimary(p);
    return promoted !== killed;
  }, 30_000);
  ctx.log(`${killed} restarted by the kubelet as a replica; the one master is ${promoted}`);
  return { promotionAlert, promoted };
}

/** Both herd phases, the feed and refused-update events and the failover under the first Prometheus, then every live query on it. */
async function observe(ctx: ScenarioContext, api: PublishedPrimary, kit: HerdKit, primary: string, ruleFiles: readonly string[]): Promise<Report> {
  const p = ctx.provider;
  const herdMs = ctx.quick ? 35_000 : 50_000;
  const log = (m: string) => ctx.log(m);
  return withPrometheus(p, NS, ruleFiles, log, async (promA) => {
    await applyProfilePolicy(p, NS, 'baseline');
    let baseHerd: HerdOutcome | undefined;
    const [base] = await observePhases(
      promA,
      [{ name: 'baseline', run: async () => {
            baseHerd = await herdCycles(log, kit, 'baseline', herdMs);
          }, mustFire: HERD_ALERTS, mustStaySilent: [] }],
      { shortForCopy: true },
    );
    ctx.log(`baseline (${base!.seconds.toFixed(0)} s, ${baseHerd?.cycles} cycles): ${fmt(base!)}`);

    const quotes = await feedSubscription(p, 4000);
    ctx.log(`market-data WS subscription: ${quotes} quotes received`);
    await refusedPolicyUpdate(p, NS);
    ctx.log('refused policy update counted by market-data');

    await applyProfilePolicy(p, NS, 'full');
    let protHerd: HerdOutcome | undefined;
    // A second, fresh Prometheus, so the baseline's rate windows cannot leak into the protected phase.
    const prot = await withPrometheus(p, NS, ruleFiles, log, async (promB) => {
      const [o] = await observePhases(
        promB,
        [{ name: 'protected', run: async () => {
              protHerd = await herdCycles(log, kit, 'full', herdMs);
            }, mustFire: [], mustStaySilent: HERD_ALERTS }],
        { shortForCopy: true },
      );
      return o!;
    });
    ctx.log(`protected (${prot.seconds.toFixed(0)} s, ${protHerd?.cycles} cycles): ${fmt(prot)}`);

    const { promotionAlert, promoted } = await killPrimary(ctx, api, promA, primary);
    const provided = new Set<Need>(['herd', 'operator', 'feeds', 'failover', 'errors']);
    const results = await evaluateAll(promA, liveQueries('2m'), provided);
    const displaced = await displacedLabels(promA);
    return { base: base!, prot, results, provided, baseHerd, protHerd, promotionAlert, failover: { killed: primary, promoted }, displaced };
  });
}

function figures(report: Report): ScenarioResult {
  const { base, prot, results } = report;
  const withData = (rs: readonly LiveResult[]) => rs.filter((r) => r.samples > 0).length;
  const dashboards = results.filter((r) => !r.source.startsWith('alert '));
  const signals = results.filter((r) => r.source.endsWith(' signal'));
  const exprs = results.filter((r) => r.source.endsWith(' expr'));
  return {
    prometheus: `upstream Prometheus (module ${PROMETHEUS_MODULE_VERSION}) with Kubernetes pod discovery, scrape 1s, eval 1s`,
    shortForCopySeconds: SHORT_FOR_S,
    liveQueries: results.length,
    dashboardQueries: dashboards.length,
    dashboardQueriesWithData: withData(dashboards),
    alertSignals: signals.length,
    alertSignalsWithData: withData(signals),
    alertExpressions: exprs.length,
    alertExpressionsEvaluated: exprs.filter((r) => !r.error).length,
    alertExpressionsWithData: withData(exprs),
    notProduced: results.filter((r) => !report.provided.has(r.need)).map((r) => r.source).join('; ') || 'none',
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
    seriesWithDisplacedLabels: report.displaced.length,
    promotionAlertAfterKill: report.promotionAlert,
    killedPrimary: report.failover.killed,
    promotedPrimary: report.failover.promoted,
  };
}

export const observabilityLive: Scenario = {
  name: 'observability-live',
  description: 'real Prometheus, discovering the release pods through the Kubernetes API, scrapes profile, market-data, the feed simulator and the operator through a baseline and a protected herd; every dashboard query and alert expression evaluated; herd alerts fire in baseline only',
  async run(ctx): Promise<ScenarioResult> {
    const p = ctx.provider;
    let kit: HerdKit | undefined;
    let api: PublishedPrimary | undefined;
    try {
      await p.deployStack({
        namespace: NS,
        redis: { pods: 2 },
        postgres: { users: SIZES.users },
        feedSimulator: { ratePerSecond: FEED_RATE_PER_SECOND },
        services: [
          { name: 'profile', replicas: PROFILES, policySpec: profileSpec('baseline') },
          { name: 'market-data', replicas: 1, policySpec: marketDataPolicy },
        ],
      });
      api = new PublishedPrimary(p, NS);
      const published = api;
      await until('the operator published the Redis primary', async () => (await published.get()) !== null, 60_000);
      const primary = await redisPrimary(p);
      ctx.log(`stack up: ${p.processes().join(', ')}; Redis master ${primary}`);
      kit = await herdKit(p, NS, primary);
      const rulesCopy = writeShortForCopy(RULES_FILE, tempDir('rules-live-copy'), SHORT_FOR_S);
      ctx.log(`rules: ${RULES_FILE} and the TEST-ONLY copy ${rulesCopy} (every for: ${SHORT_FOR_S}s, label live_copy="short-for")`);
      const report = await observe(ctx, api, kit, primary, [RULES_FILE, rulesCopy]);

      ctx.log(summarize(report.results));
      for (const r of report.results.filter((x) => !report.provided.has(x.need))) ctx.log(`  not produced in this run (${NOT_PRODUCED[r.need] ?? r.need}): ${r.source}`);
      const problems = [
        ...report.base.problems,
        ...report.prot.problems,
        ...(report.promotionAlert === 'firing' ? [] : [`RedisPromotionHappened was ${report.promotionAlert} after the primary kill, not firing`]),
        ...report.results.filter((r) => r.failed).map((r) => `${r.source}: ${r.error ?? 'no data'}`),
        ...report.displaced,
      ];
      if (problems.length > 0) throw new Error(`observability-live failed:\n  ${problems.join('\n  ')}`);
      return figures(report);
    } finally {
      await kit?.close().catch(() => undefined);
      api?.close();
    }
  },
};
