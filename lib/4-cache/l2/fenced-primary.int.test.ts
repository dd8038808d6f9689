/**
 * A fenced primary (min-replicas-to-write with no replica in reach) answers reads and
 * refuses writes with NOREPLICAS. The cache treats that as a degraded write: the caller
 * gets its value, L2 keeps serving reads, and the breaker stays closed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCache, type Cache } from '../index.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';

describe('a cache on a fenced Redis primary', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
    await redis.admin().call('CONFIG', 'SET', 'min-replicas-to-write', '0');
  });

  it('serves misses from the origin without an error, writes nothing, and keeps reading what Redis holds', async () => {
    const policy = testPolicy({ l1: { ttl: '100ms', maxEntries: 1000 } });
    const before = createCache({ service: 't', redis: await ready(redis.client()), policy });
    caches.push(before);
    expect(await before.get('k:held', () => Promise.resolve('held'))).toBe('held');
    await redis.admin().call('CONFIG', 'SET', 'min-replicas-to-write', '1', 'min-replicas-max-lag', '1');
    await expect(redis.admin().set('probe', '1')).rejects.toThrow(/^NOREPLICAS/);

    const cache = createCache({ service: 't', redis: await ready(redis.client()), policy });
    caches.push(cache);
    for (let i = 0; i < 10; i++) expect(await cache.get(`k:${i}`, () => Promise.resolve(`v${i}`))).toBe(`v${i}`);
    expect(await cache.write('k:w', () => Promise.resolve('written'))).toBe('written');
    expect(await redis.admin().exists('k:0', 'k:9', 'k:w')).toBe(0);

    // Ten refused writes later, Redis is still read: the value comes from L2, not the origin.
    let originCalls = 0;
    expect(
      await cache.get('k:held', () => {
        originCalls++;
        return Promise.resolve('from origin');
      }),
    ).toBe('held');
    expect(originCalls).toBe(0);
  });

  it('deletes what a refused write left behind once writes go through again, so other pods read the new value', async () => {
    const policy = testPolicy({ l1: { ttl: '100ms', maxEntries: 1000 } });
    const writer = createCache({ service: 't', redis: await ready(redis.client()), policy });
    const reader = createCache({ service: 't', redis: await ready(redis.client()), policy });
    caches.push(writer, reader);
    let origin = 'v1';
    expect(await writer.get('k:profile', () => Promise.resolve(origin))).toBe('v1');
    await redis.admin().call('CONFIG', 'SET', 'min-replicas-to-write', '1', 'min-replicas-max-lag', '1');
    origin = 'v2';
    expect(await writer.write('k:profile', () => Promise.resolve(origin))).toBe('v2');
    // While fenced, Redis still holds v1: nothing can be written or deleted there.
    expect(await reader.get('k:profile', () => Promise.resolve(origin))).toBe('v1');
    await redis.admin().call('CONFIG', 'SET', 'min-replicas-to-write', '0');
    await new Promise((r) => setTimeout(r, 150)); // past l1.ttl
    expect(await writer.get('k:other', () => Promise.resolve('x'))).toBe('x'); // the first write that goes through
    expect(await redis.admin().exists('k:profile')).toBe(0);
    expect(await reader.get('k:profile', () => Promise.resolve(origin))).toBe('v2');
  });
});
