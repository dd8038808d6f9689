import { afterEach, describe, expect, it } from 'vitest';
import { createCache, type Cache } from '../index.js';
import { gate } from '../../../testkit/cache/metrics.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';

describe('applyPolicy at runtime', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
  });

  it('keeps L1 entries: no origin call and no Redis read after the swap', async () => {
    const cache = createCache({
      service: 't',
      redis: null,
      policy: testPolicy({ l1: { maxEntries: 100, ttl: '10s' } }),
    });
    caches.push(cache);
    let calls = 0;
    const factory = () => Promise.resolve(++calls);
    await cache.get('k:1', factory);
    const next = testPolicy({ ttl: '120s', l1: { maxEntries: 100, ttl: '10s' } });
    cache.applyPolicy(next);
    expect(cache.policy).toBe(next);
    expect(await cache.get('k:1', factory)).toBe(1);
    expect(calls).toBe(1);
  });

  it('keeps L1 entries when l1.maxEntries changes', async () => {
    const cache = createCache({ service: 't', redis: null, policy: testPolicy({ l1: { maxEntries: 100 } }) });
    caches.push(cache);
    let calls = 0;
    const factory = () => Promise.resolve(++calls);
    for (let i = 0; i < 10; i++) await cache.get(`k:${i}`, factory);
    cache.applyPolicy(testPolicy({ l1: { maxEntries: 50 } }));
    for (let i = 0; i < 10; i++) await cache.get(`k:${i}`, factory);
    expect(calls).toBe(10);
  });

  it('keeps in-flight work: requests arriving after the swap join the computation started before it', async () => {
    const cache = createCache({ service: 't', redis: await ready(redis.client()), policy: testPolicy() });
    caches.push(cache);
    let calls = 0;
    const started = gate();
    const release = gate<string>();
    const factory = () => (calls++, started.open(), release.promise);
    const before = cache.get('k:f', factory);
    await started.promise;
    cache.applyPolicy(testPolicy({ ttl: '30s', staleWhileRevalidate: '10s' }));
    const after = Array.from({ length: 100 }, () => cache.get('k:f', factory));
    release.open('v');
    expect(await Promise.all([before, ...after])).toEqual(new Array(101).fill('v'));
    expect(calls).toBe(1);
  });

  it('refuses a key no keyspace covers with NoKeyspaceError', async () => {
    const cache = createCache({ service: 't', redis: null, policy: testPolicy() });
    caches.push(cache);
    await expect(cache.get('other:1', () => Promise.resolve(1))).rejects.toMatchObject({
      code: 'E_NO_KEYSPACE',
    });
  });
});
