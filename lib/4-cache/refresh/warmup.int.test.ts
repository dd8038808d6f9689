import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createCache, type Cache } from '../index.js';
import { metricValue } from '../../../testkit/cache/metrics.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';

describe('warmup and revalidation against a real Redis', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
  });

  it('warms every key once, never more than batchSize at a time, and skips keys already fresh', async () => {
    const registry = new Registry();
    const cache = createCache({
      service: 't',
      redis: await ready(redis.client()),
      policy: testPolicy(),
      registry,
    });
    caches.push(cache);
    await redis.admin().set('unrelated', 'x');
    await cache.get('k:0', () => Promise.resolve('already'));
    let calls = 0;
    let running = 0;
    let peak = 0;
    const factory = async ({ key }: { key: string }) => {
      calls++;
      peak = Math.max(peak, ++running);
      await sleep(5);
      running--;
      return key;
    };
    const keys = Array.from({ length: 50 }, (_, i) => `k:${i}`);
    expect(await cache.warmup(keys, factory, { ratePerSecond: 5_000, batchSize: 10 })).toEqual({
      warmed: 50,
      failed: 0,
    });
    expect(calls).toBe(49);
    expect(peak).toBeLessThanOrEqual(10);
    expect(await redis.admin().exists(...keys)).toBe(50);
    expect(await metricValue(registry, 'herdguard_cache_warmup_keys_total', { result: 'ok' })).toBe(50);
    expect(await metricValue(registry, 'herdguard_cache_refresh_total', { reason: 'warmup' })).toBe(49);
  });

  it('counts keys no keyspace covers as failed', async () => {
    const cache = createCache({ service: 't', redis: await ready(redis.client()), policy: testPolicy() });
    caches.push(cache);
    const r = await cache.warmup(['k:1', 'nope:1'], () => Promise.resolve(1), {
      ratePerSecond: 100,
      batchSize: 5,
    });
    expect(r).toEqual({ warmed: 1, failed: 1 });
  });

  it('refuses bad warmup options with a message naming the option', async () => {
    const cache = createCache({ service: 't', redis: null, policy: testPolicy() });
    caches.push(cache);
    await expect(cache.warmup([], () => Promise.resolve(1), { ratePerSecond: 0, batchSize: 1 })).rejects.toThrow(
      'expected options.ratePerSecond to be a positive integer, got 0',
    );
  });

  it('revalidate() recomputes live L1 entries written before a cut-off and leaves newer and expired ones', async () => {
    const registry = new Registry();
    let now = 1_000;
    const clock = { now: () => now };
    const cache = createCache({
      service: 't',
      redis: await ready(redis.client()),
      policy: testPolicy(),
      registry,
      clock,
    });
    caches.push(cache);
    let calls = 0;
    const factory = ({ key }: { key: string }) => Promise.resolve(`${key}#${++calls}`);
    await cache.get('k:expired', factory);
    now = 4_000; // k:expired is past its 2 s L1 life: never served from L1 again
    await cache.get('k:old', factory);
    now = 5_000;
    await cache.get('k:new', factory);
    expect(cache.revalidate((_key, writtenAt) => writtenAt < 4_500)).toBe(1);
    await cache.close();
    expect(calls).toBe(4);
    expect(JSON.parse((await redis.admin().get('k:old')) as string).v).toBe('k:old#4');
    expect(await metricValue(registry, 'herdguard_cache_refresh_total', { reason: 'revalidate' })).toBe(1);
  });
});
