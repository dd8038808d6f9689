import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createCache, type Cache } from '../index.js';
import { FakeClock } from '../../../testkit/cache/fake-clock.js';
import { metricValue } from '../../../testkit/cache/metrics.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';

describe('distrusting Redis entries written around a promotion, against a real Redis', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
  });

  async function build(clock: FakeClock, registry = new Registry()) {
    // No L1: every read goes to Redis, which is the tier under test.
    const cache = createCache({
      service: 't',
      redis: await ready(redis.client()),
      policy: testPolicy({ ttl: '60s', staleWhileRevalidate: '30s', l1: { maxEntries: 0 } }),
      clock,
      registry,
    });
    caches.push(cache);
    return cache;
  }

  it('serves an entry written in the window once, refreshes it from the origin, then serves the origin value', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const writer = await build(clock);
    await writer.write('k:user', () => Promise.resolve({ version: 1 }));
    // The newer write (version 2) reached the origin but only the lost primary: Redis still holds version 1.
    clock.advance(1000);
    const reader = await build(clock, registry);
    reader.distrustWrittenBetween(clock.now() - 2000, clock.now());
    let originCalls = 0;
    const origin = () => {
      originCalls++;
      return Promise.resolve({ version: 2 });
    };
    expect(await reader.get('k:user', origin)).toEqual({ version: 1 });
    await reader.close(); // waits for the background refresh
    expect(originCalls).toBe(1);
    expect(await metricValue(registry, 'herdguard_cache_requests_total', { tier: 'l2', result: 'stale' })).toBe(1);
    const after = await build(clock);
    after.distrustWrittenBetween(clock.now() - 2000, clock.now());
    expect(await after.get('k:user', () => Promise.reject(new Error('origin must not be asked again')))).toEqual({ version: 2 });
  });

  it('trusts entries written after the window and never asks the origin for them', async () => {
    const clock = new FakeClock();
    const cache = await build(clock);
    cache.distrustWrittenBetween(clock.now() - 2000, clock.now());
    clock.advance(10);
    await cache.write('k:fresh', () => Promise.resolve('after'));
    const served = await Promise.all(
      Array.from({ length: 100 }, () => cache.get('k:fresh', () => Promise.reject(new Error('origin must not be asked')))),
    );
    expect(new Set(served)).toEqual(new Set(['after']));
  });

  it('trusts entries written long before the window: they were replicated, refetching them would only load the origin', async () => {
    const clock = new FakeClock();
    const writer = await build(clock);
    await writer.write('k:old', () => Promise.resolve('replicated long ago'));
    clock.advance(30_000);
    const cache = await build(clock);
    cache.distrustWrittenBetween(clock.now() - 5000, clock.now());
    expect(await cache.get('k:old', () => Promise.reject(new Error('origin must not be asked')))).toBe('replicated long ago');
  });

  it('evictL1 sends the next read to Redis instead of the origin', async () => {
    const clock = new FakeClock();
    const cache = createCache({
      service: 't',
      redis: await ready(redis.client()),
      policy: testPolicy({ ttl: '60s', l1: { maxEntries: 100, ttl: '30s' } }),
      clock,
    });
    caches.push(cache);
    await cache.get('k:pinned', () => Promise.resolve('in L1'));
    // Another writer changed Redis while our fill notifications were lost with the old primary.
    await redis.admin().set('k:pinned', JSON.stringify({ v: 'in Redis', c: clock.now(), e: clock.now() + 60_000, d: 1, f: 'other' }));
    expect(await cache.get('k:pinned', () => Promise.reject(new Error('no origin')))).toBe('in L1');
    expect(cache.evictL1()).toBe(1);
    expect(await cache.get('k:pinned', () => Promise.reject(new Error('no origin')))).toBe('in Redis');
  });

  it('remembers several windows, one per promotion', async () => {
    const clock = new FakeClock();
    const writer = await build(clock);
    await writer.write('k:first', () => Promise.resolve('a'));
    clock.advance(60_000);
    await writer.write('k:second', () => Promise.resolve('b'));
    const cache = await build(clock);
    cache.distrustWrittenBetween(clock.now() - 60_000 - 1000, clock.now() - 59_000);
    cache.distrustWrittenBetween(clock.now() - 1000, clock.now() + 1);
    let calls = 0;
    const origin = () => {
      calls++;
      return Promise.resolve('fresh');
    };
    expect(await cache.get('k:first', origin)).toBe('a');
    expect(await cache.get('k:second', origin)).toBe('b');
    await cache.close();
    expect(calls).toBe(2);
  });
});
