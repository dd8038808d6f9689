import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createCache, type Cache } from '../index.js';
import { gate, metricValue } from '../../../testkit/cache/metrics.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';
import { leaseKey } from './keys.js';

describe('fenced writes against a real Redis', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
  });

  async function twoPods() {
    const registryA = new Registry();
    const policy = testPolicy({ coalescing: { leaseTTL: '10s', waitTimeout: '5s' } });
    const a = createCache({ service: 't', redis: await ready(redis.client()), policy, registry: registryA });
    const b = createCache({ service: 't', redis: await ready(redis.client()), policy });
    caches.push(a, b);
    return { a, b, registryA };
  }

  const stored = async (key: string) =>
    JSON.parse((await redis.admin().get(key)) as string) as { v: unknown; f: string };

  it("a stale leader's write is rejected after its lease expired and a new leader wrote", async () => {
    const { a, b, registryA } = await twoPods();
    const started = gate();
    const release = gate<string>();
    const slow = a.get('k:x', () => {
      started.open();
      return release.promise;
    });
    await started.promise;
    await redis.admin().del(leaseKey('k:x')); // the lease expires while A is still computing
    expect(await b.get('k:x', () => Promise.resolve('new'))).toBe('new');
    release.open('old');
    expect(await slow).toBe('old'); // A's own callers asked before the new value existed
    expect((await stored('k:x')).v).toBe('new');
    expect(await metricValue(registryA, 'herdguard_cache_fenced_writes_rejected_total')).toBe(1);
    // A did not cache its outdated value in L1 either.
    expect(await a.get('k:x', () => Promise.resolve('unused'))).toBe('new');
  });

  it("a stale leader's write is rejected while a newer leader holds the lease", async () => {
    const { a, b, registryA } = await twoPods();
    const aStarted = gate();
    const aRelease = gate<string>();
    const slow = a.get('k:y', () => {
      aStarted.open();
      return aRelease.promise;
    });
    await aStarted.promise;
    await redis.admin().del(leaseKey('k:y'));
    const bStarted = gate();
    const bRelease = gate<string>();
    const newer = b.get('k:y', () => {
      bStarted.open();
      return bRelease.promise;
    });
    await bStarted.promise;
    aRelease.open('old');
    expect(await slow).toBe('old');
    expect(await redis.admin().get('k:y')).toBeNull();
    expect(await metricValue(registryA, 'herdguard_cache_fenced_writes_rejected_total')).toBe(1);
    bRelease.open('new');
    expect(await newer).toBe('new');
    expect((await stored('k:y')).v).toBe('new');
  });

  it('the lease is released when the origin fails, so the next request does not wait for it', async () => {
    const { a } = await twoPods();
    await expect(a.get('k:z', () => Promise.reject(new Error('boom')))).rejects.toMatchObject({
      code: 'E_ORIGIN_FAILED',
    });
    expect(await redis.admin().exists(leaseKey('k:z'))).toBe(0);
  });
});
