/**
 * What every Redis chaos scenario runs against: the namespace, the profile fleet and its data,
 * the failover timing, and the profile's CachePolicy specs.
 */
import { DEFAULT_POLICY_SPEC } from '../../../example-app/profile/default-policy.js';

export const NS = 'herdguard-redis';
export const SERVICE = 'profile';
export const INSTANCES = 3;
export const USERS = 10_000;
export const DETECT_AFTER_MS = 1500;
export const CHECK_INTERVAL_MS = 250;
export const WARMUP_RATE = 1000;
/**
 * The documented stale-read bound (ADR 0004): detection (detectAfter + one check), the
 * promotion steps and their publication (≤ 0.5 s), policy delivery to the services
 * (≤ 0.5 s) and one origin fetch of the refreshed entry (≤ 0.25 s).
 */
export const STALE_BOUND_MS = DETECT_AFTER_MS + CHECK_INTERVAL_MS + 500 + 500 + 250;

/**
 * The profile's built-in policy (ttl 60 s + jitter up to 10 min) plus the Redis it caches in
 * and the cold-start warmup. Nothing primed expires within a scenario run: the planned
 * restart, cold restart and operator-kill scenarios measure the switchover, the warmup and
 * the handover against a cache that stays warm, and keep this policy.
 */
export const PROFILE_POLICY: Record<string, unknown> = {
  ...DEFAULT_POLICY_SPEC,
  warmup: { onColdRedis: true, topKeys: USERS, ratePerSecond: WARMUP_RATE },
  redis: {
    statefulSetRef: { name: 'redis' },
    failover: { enabled: true, detectAfter: `${DETECT_AFTER_MS}ms`, checkInterval: `${CHECK_INTERVAL_MS}ms` },
  },
};

export const TURNOVER_TTL_MS = 10_000;
export const TURNOVER_JITTER_MS = 5_000;

/**
 * PROFILE_POLICY with a TTL short enough for the working set to turn over during a run
 * (ttl 10 s + jitter up to 5 s; XFetch β 1 and staleIfError 10 min as built in), for the
 * scenarios that compare a fault's origin load with the steady one (redis-primary-kill,
 * stale-after-failover). The steady origin rate is then a warm cache's refresh traffic:
 * XFetch before expiry and SWR after it. Stale-while-revalidate is 60 s rather than the
 * built-in 30 s: with 30 s, a Zipf-tail key unread for ttl + jitter + 30 s was a plain miss
 * (~7 % of reads at 1 000 GET/s), so the hit ratio measured the policy, not the failover.
 */
export const TURNOVER_POLICY: Record<string, unknown> = {
  ...PROFILE_POLICY,
  keyspaces: DEFAULT_POLICY_SPEC.keyspaces.map((ks) => ({
    ...ks,
    ttl: `${TURNOVER_TTL_MS}ms`,
    jitter: { max: `${TURNOVER_JITTER_MS}ms` },
    staleWhileRevalidate: '60s',
  })),
};

/**
 * Load before the fault under TURNOVER_POLICY, from the end of priming: priming writes every
 * key within a few seconds, so they all expire within one ttl + jitter of it (a wave); three
 * such periods spread the refreshes into a steady rate (one period under --quick: shorter,
 * and the steady window then still holds the end of the wave).
 */
export function steadyWarmMs(quick: boolean): number {
  return (quick ? 1 : 3) * (TURNOVER_TTL_MS + TURNOVER_JITTER_MS);
}

/** The Redis section of the profile policy: the StatefulSet the operator fails over, and how. */
export const PROFILE_REDIS = PROFILE_POLICY['redis'];
