import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../testkit/process.js';
import { createCache, createRedisClient, type Cache } from '../index.js';
import { startRedis } from '../../../testkit/redis.js';
import { L2UnavailableError } from '../../1-ground/errors.js';
import { gate } from '../../../testkit/cache/metrics.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';

describe('delete against a real Redis', () => {
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

  it('removes the key from Redis and from every instance\'s L1: the next read on each calls the origin', async () => {
    const [a, b] = [await pod(), await pod()];
    await a.get('k:d', () => Promise.resolve('v1'));
    expect(await b.get('k:d', () => Promise.resolve('unused'))).toBe('v1');
    await a.delete('k:d');
    expect(await redis.admin().exists('k:d')).toBe(0);
    expect(await a.get('k:d', () => Promise.resolve('v2'))).toBe('v2');
    // b's L1 copy goes with the announcement; its next read finds v2 in Redis or the origin.
    await waitFor('pod b to drop v1', async () => (await b.get('k:d', () => Promise.resolve('v2'))) === 'v2', 5_000);
  });

  it('is not undone by a fill that was already running: the old value does not come back', async () => {
    const a = await pod();
    const started = gate();
    const finish = gate<string>();
    const filling = a.get('k:race', () => (started.open(), finish.promise));
    await started.promise;
    await a.delete('k:race');
    finish.open('old');
    expect(await filling).toBe('old'); // its caller gets its answer ...
    expect(await redis.admin().exists('k:race')).toBe(0); // ... but it is not stored
    expect(await a.get('k:race', () => Promise.resolve('new'))).toBe('new');
  });

  it('throws L2UnavailableError (E_L2_UNAVAILABLE) when Redis is gone, after dropping its own L1 copy', async () => {
    const own = await startRedis();
    const client = createRedisClient(own.url);
    client.on('error', () => undefined); // the test stops this Redis
    const a = createCache({ service: 't', redis: await ready(client), policy: testPolicy() });
    caches.push(a);
    await a.get('k:gone', () => Promise.resolve('v1'));
    await own.stop();
    const err = await a.delete('k:gone').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(L2UnavailableError);
    expect((err as L2UnavailableError).code).toBe('E_L2_UNAVAILABLE');
    let calls = 0;
    await a.get('k:gone', () => (calls++, Promise.resolve('v2'))).catch(() => undefined);
    expect(calls).toBe(1);
    client.disconnect();
  });
});
