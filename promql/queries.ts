/**
 * Named PromQL expressions shared by alerts and dashboards, so the number an alert fires on
 * is the number the on-call engineer sees on the dashboard it links to.
 */
import { labelValues, metrics as m } from '../lib/1-ground/metric-names.js';
import { histogramQuantile, rate, rateOrZero, sel, sumBy } from './promql.js';

export const BY_KEYSPACE = ['service', 'keyspace'] as const;

const [L1, L2] = labelValues.tier;
const [HIT, MISS, STALE] = labelValues.result;

/**
 * Lookups per second, counted once per request whichever way the library counts tiers:
 * every request either hits L1 or reaches L2, so demand = L1 answers + L2 outcomes. L1 misses
 * are deliberately not used (a library may or may not count them).
 */
export function cacheDemand(w: string, by: readonly string[] = BY_KEYSPACE): string {
  const l1Answers = rateOrZero(m.cacheRequests, { tier: L1, result: [HIT, STALE] }, by, w, { tier: L2 });
  const l2Outcomes = rateOrZero(m.cacheRequests, { tier: L2 }, by, w, { tier: L1 });
  return `(${l1Answers} + ${l2Outcomes})`;
}

/** Lookups per second that found nothing usable in any tier (each one goes to the origin or waits for it). */
export function cacheMisses(w: string, by: readonly string[] = BY_KEYSPACE): string {
  return rateOrZero(m.cacheRequests, { tier: L2, result: MISS }, by, w);
}

/** Share of lookups answered from cache (fresh or stale, any tier). */
export function cacheHitRatio(w: string, by: readonly string[] = BY_KEYSPACE): string {
  return `1 - ${cacheMisses(w, by)} / ${cacheDemand(w, by)}`;
}

/** Share of lookups answered by one tier and result (e.g. L1 hits), for the by-tier panels. */
export function cacheServedShare(tier: string, result: string, w: string): string {
  const part = rateOrZero(m.cacheRequests, { tier, result }, ['service'], w);
  return `${part} / ${cacheDemand(w, ['service'])}`;
}

export function coalescedRate(w: string, by: readonly string[] = BY_KEYSPACE): string {
  return sumBy(by, rate(sel(m.cacheCoalesced), w));
}

export function originRate(w: string, by: readonly string[] = ['service', 'origin']): string {
  return sumBy(by, rate(sel(m.originRequests), w));
}

export function originP99(w: string): string {
  return histogramQuantile(0.99, m.originDuration, ['service', 'origin'], w);
}

export function httpP99(w: string): string {
  return histogramQuantile(0.99, m.httpDuration, ['service'], w);
}

/** Clients waiting for a PostgreSQL pool connection, averaged over the window. */
export function poolWaiting(w: string): string {
  return `max by (service) (avg_over_time(${sel(m.dbPoolConnections, { state: labelValues.poolState[2] })}[${w}]))`;
}

/** Share of HTTP requests answered with a 5xx, per service. */
export function httpErrorRatio(w: string): string {
  const errors = rateOrZero(m.httpRequests, { code: labelValues.httpCode[4] }, ['service'], w);
  return `${errors} / ${sumBy(['service'], rate(sel(m.httpRequests), w))}`;
}

/** Primaries reported per Redis deployment; 0 (not absent) while pods are reported but none is primary. */
export function redisPrimaries(): string {
  const primary = labelValues.redisRole[0];
  return `(sum by (redis) (${sel(m.redisRole, { role: primary })}) or 0 * count by (redis) (${sel(m.redisRole)}))`;
}

/**
 * 1 for the state the leading operator reports per Redis Cluster, by reason (ClusterOk,
 * ClusterDegraded, ClusterDown). A replica that lost the Lease keeps its last gauge values, so
 * only the series of the replica that leads count.
 */
export function redisClusterState(reason?: (typeof labelValues.redisClusterState)[number]): string {
  const state = sel(m.redisClusterState, reason === undefined ? {} : { reason });
  return `max by (redis, reason) (${state} and on (job, instance) ${sel(m.operatorLeader)} == 1)`;
}

/** Feed loops started minus stopped per service over the window (a loop that never stops leaks). */
export function feedLoopsNetStarted(w: string): string {
  const started = `increase(${sel(m.feedLoopsStarted)}[${w}])`;
  return `${sumBy(['service'], started)} - ${sumBy(['service'], `increase(${sel(m.feedLoopsStopped)}[${w}]) or ${started} * 0`)}`;
}

/** Share of reconciles that ended in an error, per controller. */
export function reconcileErrorRatio(w: string): string {
  const errors = rateOrZero(
    m.operatorReconcile,
    { result: labelValues.reconcileResult[2] },
    ['controller'],
    w,
  );
  return `${errors} / ${sumBy(['controller'], rate(sel(m.operatorReconcile), w))}`;
}

export function quoteAgeSeconds(): string {
  return `time() - ${sel(m.quoteLastUpdate)}`;
}
