import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCache as createEverydayCache, type Cache as EverydayCache } from '../everyday/everyday-cache.js';
import { createCache, type Cache } from '../index.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { waitFor } from '../../../testkit/process.js';
import { startRedisCluster, type RedisClusterServer } from '../../../testkit/redis-cluster.js';
import { CLUSTER_LAYOUT, slotOf } from '../l2/layout.js';

// The cache on a real Redis Cluster (3 primaries, 3 replicas): one origin call per key across
// instances, with every lease and fence on the key's own slot; and a shard primary killed
// under reads, which the cluster replaces by itself.
describe('HerdCache on a Redis Cluster', () => {
  let cluster: RedisClusterServer;
  const clients: Cluster[] = [];
  const caches: Cache[] = [];
  const client = async () => {
    const c = cluster.client();
    c.on('error', () => undefined);
    clients.push(c);
    await waitFor('cluster client', () => Promise.resolve(c.status === 'ready'), 20_000);
    return c;
  };
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 120_000);
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('makes one origin call per key for concurrent misses spread over two instances and every shard', async () => {
    const policy = testPolicy({ l1: { maxEntries: 0, ttl: '1s' } });
    const [a, b] = [createCache({ service: 'c', redis: await client(), policy }), createCache({ service: 'c', redis: await client(), policy })];
    caches.push(a, b);
    const calls = new Map<string, number>();
    const factory = async ({ key }: { key: string }) => {
      calls.set(key, (calls.get(key) ?? 0) + 1);
      await sleep(30);
      return { key };
    };
    const keys = Array.from({ length: 60 }, (_, i) => `k:${i}`);
    expect(new Set(keys.map((k) => Math.floor(slotOf(CLUSTER_LAYOUT.copy(k, 0)) / 5462))).size).toBe(3);
    const got = await Promise.all(keys.flatMap((k) => Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).get(k, factory))));
    expect(got.every((v, i) => v.key === keys[Math.floor(i / 20)])).toBe(true);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(calls.size).toBe(60);
  });

  it("the package's createCache takes an ioredis Cluster: one factory call per key, set and delete seen by the other process", async () => {
    const procs: EverydayCache[] = [];
    const proc = async () => {
      const c = createEverydayCache({ redis: await client(), service: 'pkg', keyspaces: { 'u:': { ttl: '60s', l1: { ttl: '1s' } } } });
      procs.push(c);
      return c;
    };
    try {
      const [a, b] = [await proc(), await proc()];
      let calls = 0;
      const factory = async () => (calls++, await sleep(20), { name: 'Ada' });
      const got = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).getOrSet('u:1', factory)));
      expect(calls).toBe(1);
      expect(got.every((v) => v.name === 'Ada')).toBe(true);
      await a.set('u:1', { name: 'Grace' });
      await waitFor('b sees the set', async () => (await b.getOrSet('u:1', factory)).name === 'Grace', 5000);
      await b.delete('u:1');
      await waitFor('a sees the delete', async () => (await a.getOrSet('u:1', () => Promise.resolve({ name: 'Fresh' }))).name === 'Fresh', 5000);
    } finally {
      for (const c of procs) await c.close();
    }
  });

  it('keeps answering while a shard primary is killed, and reads Redis again once its replica took over', async () => {
    const policy = testPolicy({ l1: { maxEntries: 0, ttl: '1s' }, staleIfError: '60s' });
    const cache = createCache({ service: 'c', redis: await client(), policy });
    caches.push(cache);
    let calls = 0;
    const factory = () => Promise.resolve(++calls);
    const key = 'k:shard';
    await cache.get(key, factory);
    const victim = await cluster.primaryOf(slotOf(CLUSTER_LAYOUT.copy(key, 0)));
    await victim.kill();
    let errors = 0;
    const deadline = Date.now() + 30_000;
    // Until the slot is served again, reads fall back (L1 is off): the origin, never an error.
    // A read that calls no origin is an L2 hit, which only the promoted replica can give.
    for (;;) {
      const before = calls;
      await cache.get(key, factory).catch(() => errors++);
      if (calls === before) break;
      if (Date.now() > deadline) throw new Error('the slot was not served again within 30 s');
      await sleep(50);
    }
    expect((await cluster.primaryOf(slotOf(CLUSTER_LAYOUT.copy(key, 0)))).port).not.toBe(victim.port);
    expect(errors).toBe(0);
    const settled = calls;
    for (let i = 0; i < 20; i++) await cache.get(key, factory);
    expect(calls).toBe(settled);
  }, 60_000);
});
