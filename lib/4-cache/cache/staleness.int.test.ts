import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCache,
  NOT_FOUND,
  NotFoundError,
  OriginError,
  OriginTimeoutError,
  type Cache,
} from '../index.js';
import { FakeClock } from '../../../testkit/cache/fake-clock.js';
import { metricValue } from '../../../testkit/cache/metrics.js';
import { testPolicy, type KeyspaceSpec } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';

describe('freshness, staleness and negative caching against a real Redis', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
  });

  async function build(ks: KeyspaceSpec, random: () => number = Math.random) {
    const clock = new FakeClock();
    const registry = new Registry();
    const policy = testPolicy({ ttl: '10s', l1: { maxEntries: 0 }, ...ks });
    const cache = createCache({
      service: 't',
      redis: await ready(redis.client()),
      policy,
      clock,
      registry,
      random,
    });
    caches.push(cache);
    return { cache, clock, registry };
  }
  const down = () => Promise.reject(new Error('origin down'));
  const stored = async (key: string) =>
    JSON.parse((await redis.admin().get(key)) as string) as { v: unknown };

  it('serves the stale value within staleIfError when the origin fails, then a typed error after it', async () => {
    const { cache, clock, registry } = await build({ staleIfError: '60s' });
    const fallbacks = () =>
      metricValue(registry, 'herdguard_cache_stale_fallbacks_total', { reason: 'origin_failed' });
    expect(await cache.get('k:a', () => Promise.resolve('v1'))).toBe('v1');
    clock.advance(15_000); // stale by 5 s
    expect(await cache.get('k:a', down)).toBe('v1');
    expect(await fallbacks()).toBe(1);
    clock.advance(60_000); // stale by 65 s: outside the window
    const err = await cache.get('k:a', down).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OriginError);
    expect((err as OriginError).code).toBe('E_ORIGIN_FAILED');
    expect(await fallbacks()).toBe(1); // refused to serve it: not counted
  });

  it('aborts a slow origin call at originTimeout and reports OriginTimeoutError', async () => {
    const { cache } = await build({ originTimeout: '50ms' });
    let aborted = false;
    const hanging = ({ signal }: { signal: AbortSignal }) =>
      new Promise<string>((resolve) =>
        signal.addEventListener('abort', () => ((aborted = true), resolve('late'))),
      );
    await expect(cache.get('k:slow', hanging)).rejects.toBeInstanceOf(OriginTimeoutError);
    expect(aborted).toBe(true);
  });

  it('serves stale within staleWhileRevalidate and refreshes once in the background', async () => {
    const { cache, clock, registry } = await build({ staleWhileRevalidate: '30s' });
    await cache.get('k:s', () => Promise.resolve('v1'));
    clock.advance(15_000);
    let calls = 0;
    const refresh = () => Promise.resolve(`v${++calls + 1}`);
    const served = await Promise.all(Array.from({ length: 20 }, () => cache.get('k:s', refresh)));
    expect(served.every((v) => v === 'v1')).toBe(true);
    await cache.close(); // waits for the background refresh
    expect(calls).toBe(1);
    expect((await stored('k:s')).v).toBe('v2');
    expect(await metricValue(registry, 'herdguard_cache_refresh_total', { reason: 'stale' })).toBe(1);
    expect(
      await metricValue(registry, 'herdguard_cache_requests_total', { tier: 'l2', result: 'stale' }),
    ).toBe(20);
  });

  it('XFetch refreshes a value before it expires when the draw says so, and not far from expiry', async () => {
    const { cache, clock, registry } = await build({ earlyRefresh: { beta: '1.0' } }, () => 0.01);
    const slowOrigin = (value: string) => () => {
      clock.advance(1_000); // δ = 1 s, so the head start is δ·β·(−ln 0.01) ≈ 4.6 s
      return Promise.resolve(value);
    };
    await cache.get('k:x', slowOrigin('v1'));
    const expiresAt = clock.now() + 10_000;
    clock.set(expiresAt - 6_000);
    expect(await cache.get('k:x', slowOrigin('v2'))).toBe('v1');
    expect(await metricValue(registry, 'herdguard_cache_refresh_total', { reason: 'early' })).toBe(0);
    clock.set(expiresAt - 3_000);
    expect(await cache.get('k:x', slowOrigin('v2'))).toBe('v1');
    await cache.close();
    expect(await metricValue(registry, 'herdguard_cache_refresh_total', { reason: 'early' })).toBe(1);
    expect((await stored('k:x')).v).toBe('v2');
    expect(clock.now()).toBeLessThan(expiresAt); // refreshed before the old value expired
  });

  it('caches a not-found answer for negativeTTL, then asks the origin again', async () => {
    const { cache, clock } = await build({ negativeTTL: '30s' });
    let calls = 0;
    const missing = () => (calls++, Promise.resolve(NOT_FOUND));
    await expect(cache.get('k:nope', missing)).rejects.toBeInstanceOf(NotFoundError);
    await expect(cache.get('k:nope', missing)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect(calls).toBe(1);
    clock.advance(31_000);
    await expect(cache.get('k:nope', missing)).rejects.toBeInstanceOf(NotFoundError);
    expect(calls).toBe(2);
  });

  it('does not cache a not-found answer when negativeTTL is 0', async () => {
    const { cache } = await build({ negativeTTL: '0s' });
    let calls = 0;
    const missing = () => (calls++, Promise.resolve(NOT_FOUND));
    await expect(cache.get('k:nope', missing)).rejects.toBeInstanceOf(NotFoundError);
    await expect(cache.get('k:nope', missing)).rejects.toBeInstanceOf(NotFoundError);
    expect(calls).toBe(2);
  });
});
