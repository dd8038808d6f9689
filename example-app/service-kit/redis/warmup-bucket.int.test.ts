import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createCache } from '../../../lib/4-cache/index.js';
import { FakeClock } from '../../../testkit/fake-clock.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready } from '../../../testkit/cache/redis-fixture.js';
import { startRedis, type RedisServer } from '../../../testkit/redis.js';
import { originCallCounter, warmWithinOriginBudget } from './warmup-bucket.js';

let servers: RedisServer[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(servers.map((s) => s.stop(1000)));
  servers = [];
});

async function redis(): Promise<Redis> {
  const s = await startRedis({ name: 'warmup' });
  servers.push(s);
  const { Redis } = await import('ioredis');
  const client = new Redis(s.url);
  clients.push(client);
  return ready(client);
}

describe('warmup after a cold Redis', () => {
  it('keeps organic misses and warmup together within the rate, paying organic misses first', async () => {
    // Logical time: each sleep moves it on by its own length.
    const clock = FakeClock.stepping();
    const registry = new Registry();
    const cache = createCache({ service: 't', redis: await redis(), policy: testPolicy({ l1: { maxEntries: 0 } }), clock, registry });
    const counted = originCallCounter(registry);
    const keys = Array.from({ length: 300 }, (_, i) => `k:${i}`);
    const started = clock.now();
    // Organic misses arrive at 200/s of the 300/s budget: 20 in every 100 ms slice.
    const organic = () => Math.floor((200 * (clock.now() - started)) / 1000);
    const result = await warmWithinOriginBudget({
      cache,
      keys,
      factory: ({ key }) => Promise.resolve(key),
      ratePerSecond: 300,
      originCalls: async () => organic() + (await counted()),
      signal: new AbortController().signal,
      clock,
    });
    await cache.close();
    const seconds = (clock.now() - started) / 1000;
    const all = organic() + (await counted());
    expect(result).toEqual({ warmed: 300, failed: 0 });
    expect(all).toBeLessThanOrEqual(300 * seconds + 30);
    // Warmup got only what organic misses left: about 100 keys a second, not 300.
    expect(seconds).toBeGreaterThanOrEqual(2.5);
  });

  it('costs no origin call for keys Redis already holds', async () => {
    const registry = new Registry();
    const cache = createCache({ service: 't', redis: await redis(), policy: testPolicy({ l1: { maxEntries: 0 } }), registry });
    const keys = ['k:1', 'k:2', 'k:3'];
    for (const k of keys) await cache.write(k, () => Promise.resolve(k));
    const counted = originCallCounter(registry);
    const before = await counted();
    const result = await warmWithinOriginBudget({
      cache,
      keys,
      factory: () => Promise.reject(new Error('origin must not be asked')),
      ratePerSecond: 1000,
      originCalls: counted,
      signal: new AbortController().signal,
    });
    await cache.close();
    expect(result).toEqual({ warmed: 3, failed: 0 });
    expect((await counted()) - before).toBe(0);
  });
});
