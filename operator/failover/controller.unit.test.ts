import { describe, expect, it } from 'vitest';
import type { CachePolicyObject } from '../../lib/3-policy/objects.js';
import { failoverConfig, redisModeOf } from './controller.js';

const policy = (name: string, extra: Record<string, unknown> = {}): CachePolicyObject => ({
  metadata: { name, namespace: 'shop' },
  spec: {
    targetRef: { kind: 'Deployment', name: 'profile' },
    keyspaces: [{ prefix: 'user:', ttl: '60s' }],
    ...extra,
    redis: { statefulSetRef: { name: 'redis' }, ...(extra['redis'] as object | undefined) },
  },
});

describe('failoverConfig', () => {
  it('reads failover and warmup from the parsed spec of the first policy', () => {
    const set = policy('a', {
      redis: { failover: { enabled: false, detectAfter: '3s', checkInterval: '500ms' } },
      warmup: { topKeys: 50, ratePerSecond: 200, batchSize: 100 },
    });
    expect(failoverConfig('redis', [set, policy('b')], 4)).toEqual({
      redis: 'redis',
      enabled: false,
      detectAfterMs: 3000,
      checkIntervalMs: 500,
      warmup: { onColdRedis: true, topKeys: 50, ratePerSecond: 200 },
      instances: 4,
    });
  });

  it('fills what the spec leaves out with the policy defaults (lib/3-policy/defaults.ts)', () => {
    expect(failoverConfig('redis', [policy('a')], 0)).toEqual({
      redis: 'redis',
      enabled: true,
      detectAfterMs: 1500,
      checkIntervalMs: 250,
      warmup: { onColdRedis: true, topKeys: 10_000, ratePerSecond: 1000 },
      instances: 1,
    });
  });

  it('keeps watching with the defaults when the stored spec no longer parses', () => {
    const broken = policy('a', { redis: { failover: { detectAfter: 'soon' } } });
    expect(failoverConfig('redis', [broken], 2)).toMatchObject({ enabled: true, detectAfterMs: 1500, checkIntervalMs: 250 });
  });
});

describe('redisModeOf', () => {
  it('watches a Redis as standalone (a brain that promotes) unless its first policy says cluster', () => {
    expect(redisModeOf([policy('a')])).toBe('standalone');
    expect(redisModeOf([policy('a', { redis: { mode: 'cluster' } }), policy('b')])).toBe('cluster');
    expect(redisModeOf([])).toBe('standalone');
  });

  it('keeps a cluster out of any brain even when its policy no longer parses (stored under an older CRD)', () => {
    expect(redisModeOf([policy('a', { redis: { mode: 'cluster' }, keyspaces: [] })])).toBe('cluster');
  });
});
