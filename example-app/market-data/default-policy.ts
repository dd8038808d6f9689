/**
 * The policy market-data runs when no HERDGUARD_POLICY_FILE is given: quotes are fresh for
 * 2 s, jittered, coalesced across pods, refreshed early (XFetch) and served stale while
 * one refresh runs; a symbol above 200 req/s is hot: kept in L1 and copied to 8 Redis keys.
 */
export const defaultPolicySpec = {
  targetRef: { kind: 'Deployment', name: 'market-data' },
  keyspaces: [
    {
      prefix: 'quote:',
      ttl: '2s',
      jitter: { max: '500ms' },
      coalescing: { local: true, distributed: true, leaseTTL: '3s', waitTimeout: '1500ms' },
      earlyRefresh: { beta: '1.0' },
      staleWhileRevalidate: '10s',
      staleIfError: '60s',
      negativeTTL: '60s',
      originTimeout: '2s',
      l1: { maxEntries: 2000, ttl: '500ms' },
      hotKeys: { threshold: 200, window: '5s', replicas: 8 },
    },
  ],
  origin: { maxConcurrency: 16, maxQueue: 2000, failureThreshold: 20, resetAfter: '1s' },
};
