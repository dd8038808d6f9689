import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../../../testkit/redis.js';
import { waitFor } from '../../../testkit/process.js';
import { createCache, type Cache } from '../index.js';
import { chaos } from '../../../testkit/cache/chaos-redis.js';
import { metricValue } from '../../../testkit/cache/metrics.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready } from '../../../testkit/cache/redis-fixture.js';
import { createRedisClient } from './redis-client.js';
import type { Redis } from 'ioredis';

describe('when Redis is down', () => {
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  const client = (url: string) => {
    const c = createRedisClient(url);
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  it.each([100, 1_000])(
    'requests are still served and %i concurrent misses per key still make one origin call per key; L2 is used again once Redis returns',
    async (n) => {
      const server = await startRedis();
      servers.push(server);
      const redis = await ready(client(server.url));
      const cache = createCache({ service: 't', redis, policy: testPolicy({ l1: { maxEntries: 0 } }) });
      caches.push(cache);
      await server.stop();
      await waitFor('client to notice', () => Promise.resolve(redis.status !== 'ready'));
      const calls = new Map<string, number>();
      const factory = async ({ key }: { key: string }) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        await sleep(20);
        return key.toUpperCase();
      };
      const keys = ['k:a', 'k:b', 'k:c', 'k:d', 'k:e'];
      const results = await Promise.all(
        keys.flatMap((k) => Array.from({ length: n }, () => cache.get(k, factory))),
      );
      expect(results.filter((r, i) => r === keys[Math.floor(i / n)]!.toUpperCase())).toHaveLength(
        keys.length * n,
      );
      expect([...calls.values()]).toEqual([1, 1, 1, 1, 1]);

      const back = await startRedis({ port: server.port });
      servers.push(back);
      await waitFor('client to reconnect', () => Promise.resolve(redis.status === 'ready'), 15_000);
      await cache.get('k:after', factory);
      const admin = client(back.url);
      await waitFor('value in the restarted Redis', async () => (await admin.get('k:after')) !== null, 5_000);
    },
  );

  it('a failing Redis is skipped after a few errors instead of being asked on every request', async () => {
    const server = await startRedis();
    servers.push(server);
    const c = chaos(await ready(client(server.url)));
    const registry = new Registry();
    const cache = createCache({
      service: 't',
      redis: c.redis,
      policy: testPolicy({ l1: { maxEntries: 0 } }),
      registry,
    });
    caches.push(cache);
    c.alwaysThrow();
    let calls = 0;
    for (let i = 0; i < 50; i++)
      expect(await cache.get(`k:${i}`, () => Promise.resolve(++calls))).toBe(calls);
    expect(calls).toBe(50);
    // 3 failures open the L2 breaker for 1 s; with a real clock at most a handful more trials pass.
    expect(c.calls.length).toBeLessThan(15);
    expect(await metricValue(registry, 'herdguard_origin_requests_total', { outcome: 'ok' })).toBe(50);
    await server.stop();
  });
  it('setRedis() moves L2 and the lease to the new primary at once, keeping L1', async () => {
    const [oldPrimary, newPrimary] = [await startRedis(), await startRedis()];
    servers.push(oldPrimary, newPrimary);
    let calls = 0;
    const factory = () => Promise.resolve(++calls);
    const cache = createCache({
      service: 't',
      redis: await ready(client(oldPrimary.url)),
      policy: testPolicy(),
    });
    caches.push(cache);
    await cache.get('k:1', factory);
    cache.setRedis(await ready(client(newPrimary.url)));
    expect(await cache.get('k:1', factory)).toBe(1); // L1 kept
    await cache.get('k:2', factory);
    expect(await (await ready(client(newPrimary.url))).exists('k:2')).toBe(1);
    expect(await (await ready(client(oldPrimary.url))).exists('k:2')).toBe(0);
    expect(calls).toBe(2);
  });
});
