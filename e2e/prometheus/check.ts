/**
 * The live check: every dashboard query and every alert signal and expression evaluated
 * against a real Prometheus that scraped the real services. A query whose series can only
 * exist in a failover or feed scenario is listed with that need instead of being faked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metrics as m } from '../../lib/1-ground/metric-names.js';
import { JSON_DIR } from '../../dashboards/generate.js';
import { concreteQuery, dashboardQueries } from '../../dashboards/validate.js';
import { allAlerts } from '../../alerts/index.js';
import type { LivePrometheus } from './prometheus.js';
import { LIVE_COPY_LABEL, LIVE_COPY_VALUE } from './short-for.js';

/** What must have happened for a series to exist: the herd alone, or more. */
export type Need = 'herd' | 'operator' | 'feeds' | 'rebalance' | 'failover' | 'cluster' | 'errors';

/** Metrics whose samples only appear after a particular event or component. */
const NEEDS: readonly [Need, readonly string[]][] = [
  ['failover', [m.redisPromotions.name, m.redisPromotionFailures.name, m.redisFailoverDuration.name]],
  // Only a CachePolicy with spec.redis.mode cluster gets a cluster watch, which sets the gauge (checked before 'operator': its queries also read the leader gauge).
  ['cluster', [m.redisClusterState.name]],
  // The counter gets its child on the first rebalance: it needs 2+ market-data pods and a skewed spread.
  ['rebalance', [m.wsRebalanced.name]],
  ['feeds', [m.feedLoops.name, m.feedLoopsStarted.name, m.feedLoopsStopped.name, m.quoteLastUpdate.name, m.wsConnections.name]],
  ['operator', [m.operatorReconcile.name, m.operatorReconcileDuration.name, m.operatorQueueDepth.name, m.operatorLeader.name, m.policyGenerationDesired.name, m.redisRole.name, m.redisKeys.name, m.redisFailoverHolding.name, m.redisPrimaryFenced.name]],
  ['errors', [m.policyReloadErrors.name]],
];

export function needOf(expr: string): Need {
  for (const [need, names] of NEEDS) if (names.some((n) => expr.includes(n))) return need;
  return 'herd';
}

export interface LiveQuery {
  readonly source: string;
  readonly expr: string;
  readonly need: Need;
  /** Alert expressions return data only while firing: for them, "evaluates without error" is the check. */
  readonly mustHaveData: boolean;
}

export function liveQueries(window = '1m'): LiveQuery[] {
  const fromDashboards = readdirSync(JSON_DIR)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => dashboardQueries(JSON.parse(readFileSync(join(JSON_DIR, f), 'utf8')) as Record<string, unknown>))
    .map((q) => ({ ...q, expr: concreteQuery(q.expr, window), need: needOf(q.expr), mustHaveData: true }));
  const fromAlerts = allAlerts().flatMap((a) => [
    { source: `alert ${a.alert} signal`, expr: a.signal, need: needOf(a.signal), mustHaveData: true },
    { source: `alert ${a.alert} expr`, expr: a.expr, need: needOf(a.expr), mustHaveData: false },
  ]);
  return [...fromDashboards, ...fromAlerts];
}

export interface LiveResult extends LiveQuery {
  readonly samples: number;
  readonly error?: string;
  /** True when this query was required in this run and failed the requirement. */
  readonly failed: boolean;
}

export async function evaluateAll(prom: LivePrometheus, queries: readonly LiveQuery[], provided: ReadonlySet<Need>): Promise<LiveResult[]> {
  const out: LiveResult[] = [];
  for (const q of queries) {
    const required = provided.has(q.need);
    try {
      const samples = (await prom.query(q.expr)).filter((s) => Number.isFinite(s.value) || !q.mustHaveData);
      out.push({ ...q, samples: samples.length, failed: required && q.mustHaveData && samples.length === 0 });
    } catch (err) {
      out.push({ ...q, samples: 0, error: String(err), failed: true });
    }
  }
  return out;
}

/** Which rules: the generated ones, or the TEST-ONLY short-`for` copy (e2e/prometheus/short-for.ts). */
export type RuleVariant = 'real' | typeof LIVE_COPY_VALUE;
export type AlertStateName = 'firing' | 'pending' | 'inactive';

/** Highest alert state an alert reached in the last `seconds`: 'firing', 'pending' or 'inactive'. */
export async function alertState(prom: LivePrometheus, alert: string, seconds: number, variant: RuleVariant = 'real'): Promise<AlertStateName> {
  const copy = `${LIVE_COPY_LABEL}="${variant === 'real' ? '' : LIVE_COPY_VALUE}"`;
  const seen = await prom.query(`max by (alertstate) (max_over_time(ALERTS{alertname="${alert}",${copy}}[${Math.max(1, Math.ceil(seconds))}s]))`);
  const states = new Set(seen.map((s) => s.metric['alertstate']));
  if (states.has('firing')) return 'firing';
  return states.has('pending') ? 'pending' : 'inactive';
}

export function summarize(results: readonly LiveResult[]): string {
  const verified = results.filter((r) => !r.failed && (r.samples > 0 || !r.mustHaveData) && !r.error);
  const lines = [`live queries: ${results.length}, verified: ${verified.length}, failed: ${results.filter((r) => r.failed).length}`];
  for (const r of results.filter((x) => x.failed)) lines.push(`  FAILED ${r.source}: ${r.error ?? 'no data'}\n    ${r.expr}`);
  const waiting = results.filter((r) => !r.failed && r.mustHaveData && r.samples === 0);
  for (const r of waiting) lines.push(`  not required here (needs ${r.need}): ${r.source}`);
  return lines.join('\n');
}
