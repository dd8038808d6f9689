import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createCache, type Cache } from '../index.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';

describe('single-flight against a real Redis', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
  });

  it.each([100, 1_000, 10_000])('%i concurrent misses on one key make one origin call', async (n) => {
    const cache = createCache({ service: 't', redis: await ready(redis.client()), policy: testPolicy() });
    caches.push(cache);
    let calls = 0;
    const factory = async () => {
      calls++;
      await sleep(20);
      return { price: 42 };
    };
    const results = await Promise.all(Array.from({ length: n }, () => cache.get('k:AAPL', factory)));
    expect(calls).toBe(1);
    expect(results.every((r) => r.price === 42)).toBe(true);
  });

  it('a value filled by one cache instance is an L2 hit for another, with no origin call', async () => {
    const a = createCache({ service: 't', redis: await ready(redis.client()), policy: testPolicy() });
    const b = createCache({ service: 't', redis: await ready(redis.client()), policy: testPolicy() });
    caches.push(a, b);
    let calls = 0;
    const factory = () => Promise.resolve(++calls);
    expect(await a.get('k:1', factory)).toBe(1);
    expect(await b.get('k:1', factory)).toBe(1);
    expect(calls).toBe(1);
    const stored = JSON.parse((await redis.admin().get('k:1')) as string);
    expect(stored.v).toBe(1);
  });

  it('waiters share the leader error and a later request calls the origin again', async () => {
    const cache = createCache({ service: 't', redis: await ready(redis.client()), policy: testPolicy() });
    caches.push(cache);
    let calls = 0;
    const failing = async (): Promise<number> => {
      calls++;
      await sleep(10);
      throw new Error('db down');
    };
    const settled = await Promise.allSettled(Array.from({ length: 50 }, () => cache.get('k:e', failing)));
    expect(calls).toBe(1);
    expect(
      settled.every(
        (s) => s.status === 'rejected' && (s.reason as { code: string }).code === 'E_ORIGIN_FAILED',
      ),
    ).toBe(true);
    expect(await cache.get('k:e', () => Promise.resolve(7))).toBe(7);
  });
});
