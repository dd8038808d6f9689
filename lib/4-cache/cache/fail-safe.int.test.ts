import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../../../testkit/redis.js';
import { waitFor } from '../../../testkit/process.js';
import { OriginError } from '../../1-ground/errors.js';
import { createCache, type Cache } from '../index.js';
import { createRedisClient } from '../l2/redis-client.js';
import { chaos } from '../../../testkit/cache/chaos-redis.js';
import { FakeClock } from '../../../testkit/cache/fake-clock.js';
import { gate, metricValue } from '../../../testkit/cache/metrics.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready } from '../../../testkit/cache/redis-fixture.js';
import { NOT_FOUND } from './not-found.js';

/**
 * Fail-safe: when Redis cannot be asked, an L1 copy past l1.ttl stands in for the Redis entry
 * it came from (judged by the same ttl / staleWhileRevalidate / staleIfError windows) instead
 * of sending every L1 miss to the origin. With Redis healthy nothing changes.
 */
describe('fail-safe reads from L1 while Redis cannot be asked, against a real Redis', () => {
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of servers.splice(0)) await s.stop();
  });
  afterAll(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });

  // ttl 60 s, SWR 10 s after it, staleIfError 20 s after it; L1 fresh for 1 s.
  const policy = testPolicy({
    ttl: '60s',
    staleWhileRevalidate: '10s',
    staleIfError: '20s',
    negativeTTL: '30s',
    l1: { maxEntries: 100, ttl: '1s' },
  });

  async function setup() {
    const server = await startRedis();
    servers.push(server);
    const redis = createRedisClient(server.url);
    redis.on('error', () => undefined); // the tests stop this server on purpose
    clients.push(redis);
    await ready(redis);
    const clock = new FakeClock();
    const registry = new Registry();
    const cache = createCache({ service: 't', redis, policy, clock, registry });
    caches.push(cache);
    const origin = { calls: 0, value: 'v1', fail: false };
    const factory = () => {
      origin.calls++;
      return origin.fail ? Promise.reject(new Error('origin down')) : Promise.resolve(origin.value);
    };
    const stopRedis = async () => {
      await server.stop();
      await waitFor('the client to notice Redis is gone', () => Promise.resolve(redis.status !== 'ready'));
    };
    const l1 = (result: string) => metricValue(registry, 'herdguard_cache_requests_total', { tier: 'l1', result });
    const reads = (n: number) => Promise.all(Array.from({ length: n }, () => cache.get('k:a', factory)));
    return { server, redis, clock, cache, origin, factory, stopRedis, l1, reads };
  }

  it('with Redis down, a key in L1 past l1.ttl but within its ttl is served from L1 with no origin call', async () => {
    const t = await setup();
    expect(await t.cache.get('k:a', t.factory)).toBe('v1');
    t.origin.value = 'v2';
    t.clock.advance(30_000); // long past l1.ttl, well within ttl
    await t.stopRedis();
    expect(new Set(await t.reads(1_000))).toEqual(new Set(['v1']));
    expect(t.origin.calls).toBe(1);
    expect(await t.l1('stale')).toBe(1_000);
    expect(await t.l1('miss')).toBe(1); // only the very first read
  });

  it('a GET that fails (Redis answering errors) falls back to the L1 copy as well', async () => {
    const t = await setup();
    const c = chaos(t.redis);
    const cache = createCache({ service: 't', redis: c.redis, policy, clock: t.clock });
    caches.push(cache);
    expect(await cache.get('k:a', t.factory)).toBe('v1');
    t.clock.advance(5_000);
    c.alwaysThrow();
    expect(await cache.get('k:a', t.factory)).toBe('v1');
    expect(t.origin.calls).toBe(1);
    expect(c.calls.filter((x) => x.command === 'get').length).toBeGreaterThan(1); // Redis was asked first
  });

  it('with Redis down, a copy past its ttl but within staleWhileRevalidate is served and refreshed once in the background', async () => {
    const t = await setup();
    await t.cache.get('k:a', t.factory);
    t.origin.value = 'v2';
    t.clock.advance(65_000);
    await t.stopRedis();
    const hold = gate();
    const slow = () => {
      t.origin.calls++;
      return hold.promise.then(() => 'v2');
    };
    const served = await Promise.all(Array.from({ length: 100 }, () => t.cache.get('k:a', slow)));
    expect(new Set(served)).toEqual(new Set(['v1']));
    hold.open();
    await t.cache.close(); // waits for the background refresh
    expect(t.origin.calls).toBe(2); // the first fill, then one refresh for 100 stale reads
    expect(await t.l1('stale')).toBe(100);
  });

  it('with Redis down, a copy past its stale-while-revalidate window goes to the origin once for 100 concurrent reads, and is served only if the origin fails', async () => {
    const t = await setup();
    await t.cache.get('k:a', t.factory);
    t.origin.value = 'v2';
    t.clock.advance(75_000); // past ttl + SWR, within staleIfError
    await t.stopRedis();
    expect(new Set(await t.reads(100))).toEqual(new Set(['v2']));
    expect(t.origin.calls).toBe(2);
    t.origin.fail = true;
    t.clock.advance(72_000); // the v2 copy (filled just now) past ttl + SWR, within staleIfError
    expect(new Set(await t.reads(100))).toEqual(new Set(['v2']));
    expect(t.origin.calls).toBe(3); // one failed call, the L1 copy served as stale-if-error
  });

  it('with Redis down, a copy past its ttl and both stale windows goes to the origin once for 100 concurrent reads, and fails when the origin does', async () => {
    const t = await setup();
    await t.cache.get('k:a', t.factory);
    t.origin.value = 'v2';
    t.clock.advance(60_000 + 20_000 + 1);
    await t.stopRedis();
    expect(new Set(await t.reads(100))).toEqual(new Set(['v2']));
    expect(t.origin.calls).toBe(2);
    t.origin.fail = true;
    t.clock.advance(60_000 + 20_000 + 1);
    const failed = await Promise.allSettled(Array.from({ length: 100 }, () => t.cache.get('k:a', t.factory)));
    expect(failed.every((r) => r.status === 'rejected' && r.reason instanceof OriginError)).toBe(true);
    expect(t.origin.calls).toBe(3);
  });

  it('a negative entry is served from L1 within its negativeTTL and never past it', async () => {
    const t = await setup();
    let calls = 0;
    const missing = () => {
      calls++;
      return Promise.resolve(NOT_FOUND);
    };
    await expect(t.cache.get('k:gone', missing)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    t.clock.advance(10_000);
    await t.stopRedis();
    await expect(t.cache.get('k:gone', missing)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect(calls).toBe(1);
    t.clock.advance(25_000); // past negativeTTL (30 s)
    await expect(t.cache.get('k:gone', missing)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect(calls).toBe(2);
  });

  it('with Redis healthy, a copy past l1.ttl is read again from Redis and never served from L1', async () => {
    const t = await setup();
    await t.cache.get('k:a', t.factory);
    // Another instance wrote a newer value (its fill notification is not what this test is about).
    const now = t.clock.now();
    await t.redis.set('k:a', JSON.stringify({ v: 'from Redis', c: now, e: now + 60_000, d: 1, f: 'other' }));
    t.clock.advance(1_500);
    expect(await t.cache.get('k:a', t.factory)).toBe('from Redis');
    expect(t.origin.calls).toBe(1);
    expect(await t.l1('stale')).toBe(0);
  });

  it('evictL1 after a promotion drops the fail-safe copies too: the next read asks Redis, or the origin while Redis is still down', async () => {
    const t = await setup();
    await t.cache.get('k:a', t.factory);
    await t.cache.get('k:b', t.factory);
    t.origin.value = 'v2';
    t.clock.advance(30_000);
    expect(t.cache.evictL1()).toBe(2);
    await t.stopRedis();
    expect(new Set(await t.reads(100))).toEqual(new Set(['v2']));
    expect(t.origin.calls).toBe(3);
    expect(await t.l1('stale')).toBe(0);
  });
});
