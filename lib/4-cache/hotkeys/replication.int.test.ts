import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createCache, type Cache } from '../index.js';
import { REPLICA_INFIX } from '../lease/keys.js';
import { chaos } from '../../../testkit/cache/chaos-redis.js';
import { seededRandom } from '../../1-ground/random.js';
import { FakeClock } from '../../../testkit/fake-clock.js';
import { metricValue } from '../../../testkit/cache/metrics.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';

describe('hot keys against a real Redis', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
  });

  async function build() {
    const c = chaos(await ready(redis.client()));
    const clock = new FakeClock();
    const registry = new Registry();
    const policy = testPolicy({
      l1: { maxEntries: 0 },
      hotKeys: { threshold: 50, window: '6s', replicas: 4 },
    });
    const cache = createCache({
      service: 't',
      redis: c.redis,
      policy,
      clock,
      registry,
      random: seededRandom(3),
    });
    caches.push(cache);
    return { cache, c, registry };
  }

  it('replicates a hot key to `replicas` copies and spreads reads over them', async () => {
    const { cache, c } = await build();
    const factory = () => Promise.resolve('v1');
    for (let i = 0; i < 60; i++) await cache.get('k:SPY', factory); // 60 in one 1 s bucket ≥ 50 req/s
    expect(cache.hotKeys()[0]).toMatchObject({ key: 'k:SPY' });
    await cache.write('k:SPY', () => Promise.resolve('v2'));
    const admin = redis.admin();
    const copies = ['k:SPY', ...[1, 2, 3].map((i) => `k:SPY${REPLICA_INFIX}${i}`)];
    for (const key of copies) expect(JSON.parse((await admin.get(key)) as string).v).toBe('v2');
    c.calls.length = 0;
    for (let i = 0; i < 400; i++) expect(await cache.get('k:SPY', factory)).toBe('v2');
    const perKey = new Map<string, number>();
    for (const call of c.calls.filter((x) => x.command === 'get')) {
      const key = String(call.args[0]);
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    expect([...perKey.keys()].sort()).toEqual([...copies].sort());
    expect(Math.max(...perKey.values())).toBeLessThan(400 / 2); // no single Redis key takes every read
  });

  it('writes a cold key once, with no replicas', async () => {
    const { cache } = await build();
    await cache.get('k:IBM', () => Promise.resolve('v'));
    expect(await redis.admin().exists('k:IBM', `k:IBM${REPLICA_INFIX}1`)).toBe(1);
    expect(cache.hotKeys()[0]!.ratePerSec).toBeLessThan(50); // listed in the top-K, but below the threshold
  });

  it('exports hot-key shares by rank, never by key name', async () => {
    const { cache, registry } = await build();
    for (let i = 0; i < 60; i++) await cache.get('k:SPY', () => Promise.resolve(1));
    cache.hotKeys();
    await cache.close(); // the ticker exports on its own too; close() makes the test deterministic
    const text = await registry.getSingleMetricAsString('herdguard_hot_key_share');
    expect(text).not.toContain('SPY');
    expect(await metricValue(registry, 'herdguard_hot_key_share', { rank: '1' })).toBeGreaterThanOrEqual(0);
  });
});
