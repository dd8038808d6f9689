/**
 * The built-in policy used when HERDGUARD_POLICY_FILE is not set. The same spec lives in
 * policy.default.yaml as a sample; a unit test keeps the two equal.
 */
import { parsePolicySpec } from '../../lib/3-policy/load.js';
import type { CachePolicy } from '../../lib/3-policy/types.js';

export const DEFAULT_POLICY_SPEC = {
  targetRef: { kind: 'Deployment', name: 'profile' },
  keyspaces: [
    {
      prefix: 'user:',
      ttl: '60s',
      jitter: { max: '10m' },
      coalescing: { local: true, distributed: true, leaseTTL: '5s', waitTimeout: '2s' },
      earlyRefresh: { beta: '1.0' },
      staleWhileRevalidate: '30s',
      staleIfError: '10m',
      negativeTTL: '30s',
      originTimeout: '2s',
      l1: { maxEntries: 10_000, ttl: '2s' },
    },
  ],
  // The origin guard matches the pool: more concurrent reads would only queue in pg.
  origin: { maxConcurrency: 10, maxQueue: 10_000, failureThreshold: 5, resetAfter: '5s' },
} as const;

export function defaultPolicy(): CachePolicy {
  return parsePolicySpec(DEFAULT_POLICY_SPEC, { name: 'profile', generation: 1 });
}
