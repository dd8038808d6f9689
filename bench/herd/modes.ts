/**
 * The herd lab's modes, each a herdguard CachePolicy (seed 004's validation matrix plus
 * the full library), and the two peers, which get the full policy's numbers translated
 * into their own options (see example-app/profile/stores/*.ts).
 */
import { formatDuration } from '../../lib/1-ground/duration.js';
import type { CacheImpl } from '../../example-app/profile/stores/store.js';

export const MODES = ['baseline', 'jitter', 'lease', 'full', 'bentocache', 'cachified'] as const;
export type Mode = (typeof MODES)[number];

export const MODE_LABEL: Record<Mode, string> = {
  baseline: 'baseline: fixed TTL, no coalescing',
  jitter: 'jitter only',
  lease: 'jitter + single-flight + lease',
  full: 'full: + early refresh + SWR + L1',
  bentocache: 'peer: bentocache (L1+L2, lock, grace)',
  cachified: 'peer: cachified (SWR, in-flight dedup)',
};

export const implOf = (m: Mode): CacheImpl => (m === 'bentocache' || m === 'cachified' ? m : 'herdguard');

export interface ModeSizes {
  readonly ttlMs: number;
  readonly l1TtlMs: number;
}

export const jitterMaxMs = (s: ModeSizes): number => Math.round(s.ttlMs / 4);

/** No origin guard beyond the pool itself: the naive service of seed 004. */
const UNGUARDED = { maxConcurrency: 10_000, maxQueue: 100_000, failureThreshold: 1000, resetAfter: '1s' };
/** The guard matches the pool (10): more concurrent reads would only queue inside pg. */
const GUARDED = { maxConcurrency: 10, maxQueue: 100_000, failureThreshold: 50, resetAfter: '1s' };

/** `redisMode` cluster: the policy says so (the services check it against their client). */
export function policySpec(mode: Mode, s: ModeSizes, redisMode: 'standalone' | 'cluster' = 'standalone'): Record<string, unknown> {
  const ttl = formatDuration(s.ttlMs);
  const noL1 = { maxEntries: 0, ttl: '1s' };
  const base = { prefix: 'user:', ttl, negativeTTL: '30s', originTimeout: '5s' };
  const off = { local: false, distributed: false, leaseTTL: '5s', waitTimeout: '2s' };
  // waitTimeout covers the whole burst: a waiter must outlast the queue in front of the leader.
  const on = { local: true, distributed: true, leaseTTL: '10s', waitTimeout: '8s' };
  // A quarter of the TTL: wide enough to show the spread, short enough that the burst can
  // land after the last jittered expiry (the lab's worst case: every key expired at once).
  const jitter = { max: formatDuration(jitterMaxMs(s)) };
  const ks: Record<Mode, Record<string, unknown>> = {
    baseline: { ...base, coalescing: off, l1: noL1 },
    jitter: { ...base, jitter, coalescing: off, l1: noL1 },
    lease: { ...base, jitter, coalescing: on, l1: noL1 },
    full: {
      ...base,
      jitter,
      coalescing: on,
      earlyRefresh: { beta: '1.0' },
      staleWhileRevalidate: '30s',
      staleIfError: '60s',
      l1: { maxEntries: 20_000, ttl: formatDuration(s.l1TtlMs) },
    },
    bentocache: {},
    cachified: {},
  };
  const keyspace = mode === 'bentocache' || mode === 'cachified' ? ks.full : ks[mode];
  return {
    targetRef: { kind: 'Deployment', name: 'profile' },
    keyspaces: [keyspace],
    origin: mode === 'baseline' || mode === 'jitter' ? UNGUARDED : GUARDED,
    // The lab flushes Redis between runs; the cold-Redis warmup would then refill hot keys
    // from the origin during the steady burst and blur what each mode does in the herd.
    warmup: { onColdRedis: false },
    ...(redisMode === 'cluster' ? { redis: { mode: 'cluster' } } : {}),
  };
}

/** The policy file the instances watch: a CachePolicy manifest whose generation we bump. */
export function policyDocument(mode: Mode, s: ModeSizes, generation: number, redisMode: 'standalone' | 'cluster' = 'standalone'): string {
  return JSON.stringify({
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'CachePolicy',
    metadata: { name: `herd-${mode}`, generation },
    spec: policySpec(mode, s, redisMode),
  });
}
