import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../testkit/process.js';
import { createCache, type Cache } from '../index.js';
import { gate } from '../../../testkit/cache/metrics.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';

describe('the write path against a real Redis', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
  });
  const pod = async () => {
    const c = createCache({ service: 't', redis: await ready(redis.client()), policy: testPolicy() });
    caches.push(c);
    return c;
  };

  it('lands in Redis even when its client is still connecting (regression: a write right after start-up skipped Redis and left a hole)', async () => {
    const fresh = redis.client(); // not awaited: still connecting
    const c = createCache({ service: 't', redis: fresh, policy: testPolicy() });
    caches.push(c);
    expect(await c.write('k:fresh', () => Promise.resolve('v1'))).toBe('v1');
    expect(JSON.parse((await redis.admin().get('k:fresh')) as string).v).toBe('v1');
  });

  it('waits for a connecting client without a ready listener per waiting write', async () => {
    const fresh = redis.client(); // not awaited: still connecting
    const c = createCache({ service: 't', redis: fresh, policy: testPolicy() });
    caches.push(c);
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const writes = Array.from({ length: 20 }, (_, i) => c.write(`k:w${i}`, () => Promise.resolve(i)));
    await tick();
    const after20 = fresh.listenerCount('ready');
    writes.push(...Array.from({ length: 80 }, (_, i) => c.write(`k:w${20 + i}`, () => Promise.resolve(20 + i))));
    await tick();
    expect(fresh.status).not.toBe('ready');
    expect(fresh.listenerCount('ready')).toBe(after20);
    expect(await Promise.all(writes)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await redis.admin().exists('k:w99')).toBe(1);
  });

  it.each([100, 1_000])(
    'repopulates the key: %i concurrent readers during a write never miss to the origin',
    async (n) => {
      const [a, b] = [await pod(), await pod()];
      await a.get('k:u', () => Promise.resolve('v1'));
      let readerOriginCalls = 0;
      const reader = () => (readerOriginCalls++, Promise.resolve('from-origin'));
      const writerStarted = gate();
      const commit = gate<string>();
      const writing = a.write('k:u', () => (writerStarted.open(), commit.promise));
      await writerStarted.promise;
      // Mid-write the old value is still there: no hole for a herd to fall into.
      expect(await redis.admin().get('k:u')).not.toBeNull();
      const during = await Promise.all(
        Array.from({ length: n }, (_, i) => (i % 2 ? a : b).get('k:u', reader)),
      );
      commit.open('v2');
      expect(await writing).toBe('v2');
      expect(during.every((v) => v === 'v1' || v === 'v2')).toBe(true);
      expect(readerOriginCalls).toBe(0);
      expect(JSON.parse((await redis.admin().get('k:u')) as string).v).toBe('v2');
      expect(await a.get('k:u', reader)).toBe('v2');
      // The other pod's L1 copy is evicted by the fill announcement.
      await waitFor('pod b to see v2', async () => (await b.get('k:u', reader)) === 'v2', 5_000);
      expect(readerOriginCalls).toBe(0);
    },
  );

  it('readers of an uncached key wait for the writer instead of calling the origin', async () => {
    const [a, b] = [await pod(), await pod()];
    let readerOriginCalls = 0;
    const reader = () => (readerOriginCalls++, Promise.resolve('from-origin'));
    const writerStarted = gate();
    const commit = gate<string>();
    const writing = a.write('k:new', () => (writerStarted.open(), commit.promise));
    await writerStarted.promise;
    const readers = Promise.all(Array.from({ length: 100 }, () => b.get('k:new', reader)));
    commit.open('created');
    await writing;
    expect(new Set(await readers)).toEqual(new Set(['created']));
    expect(readerOriginCalls).toBe(0);
  });

  it('a read already computing the old value cannot overwrite the value written after it', async () => {
    const a = await pod();
    const readStarted = gate();
    const readRelease = gate<string>();
    const oldRead = a.get('k:race', () => (readStarted.open(), readRelease.promise));
    await readStarted.promise;
    expect(await a.write('k:race', () => Promise.resolve('new'))).toBe('new');
    readRelease.open('old');
    expect(await oldRead).toBe('old'); // that caller asked before the write
    expect(JSON.parse((await redis.admin().get('k:race')) as string).v).toBe('new');
    expect(await a.get('k:race', () => Promise.resolve('unused'))).toBe('new');
  });
});
