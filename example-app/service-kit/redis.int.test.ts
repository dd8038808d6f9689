import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { createCache } from '../../lib/4-cache/index.js';
import type { RenderedPolicy } from '../../lib/3-policy/types.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { ready } from '../../testkit/cache/redis-fixture.js';
import { testPolicy } from '../../testkit/cache/policy.js';
import { RecentKeys, RedisConnectionManager, originCallCounter, warmWithinOriginBudget } from './redis.js';

let servers: RedisServer[] = [];
let managers: RedisConnectionManager[] = [];
afterEach(async () => {
  await Promise.all(managers.map((m) => m.close()));
  await Promise.all(servers.map((s) => s.stop(1000)));
  servers = [];
  managers = [];
});

/** Records what the manager asks of the cache (the seam under test), against real Redis. */
function recordingCache() {
  const calls = { setRedis: [] as Redis[], evictL1: 0, distrust: [] as Array<[number, number]> };
  return {
    calls,
    distrustWrittenBetween: (from: number, to: number) => void calls.distrust.push([from, to]),
    setRedis: (r: Redis) => void calls.setRedis.push(r),
    evictL1: () => {
      calls.evictL1++;
      return 0;
    },
  };
}

type Warmup = NonNullable<NonNullable<RenderedPolicy['redis']>['warmup']>;

const rendered = (primary: RedisServer, epoch: number, warmup?: Warmup): RenderedPolicy =>
  ({
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'RenderedCachePolicy',
    policy: 'profile',
    namespace: 'shop',
    generation: 1,
    spec: {},
    redis: { primary: `${primary.host}:${primary.port}`, epoch, ...(warmup ? { warmup } : {}) },
  });

async function pair() {
  const a = await startRedis({ name: 'a' });
  const b = await startRedis({ name: 'b', replicaOf: { host: a.host, port: a.port } });
  servers.push(a, b);
  return { a, b };
}

describe('RedisConnectionManager', () => {
  it('moves the cache to the primary the policy publishes, closes the old client, drops L1 and distrusts the suspect window', async () => {
    const { a, b } = await pair();
    const cache = recordingCache();
    let now = 1000;
    const m = new RedisConnectionManager({ initialUrl: a.url, cache, clock: { now: () => now } });
    managers.push(m);
    m.onPolicy(rendered(a, 1));
    await m.settled();
    expect(cache.calls.setRedis).toHaveLength(1);
    const old = m.client;
    now = 5000;
    m.onPolicy(rendered(b, 2));
    await m.settled();
    expect(m.address.port).toBe(b.port);
    expect(cache.calls.setRedis).toHaveLength(2);
    expect(cache.calls.setRedis[1]).toBe(m.client);
    await new Promise((resolve) => (old.status === 'end' ? resolve(undefined) : old.once('end', resolve)));
    expect(old.status).toBe('end');
    expect(await m.client.ping()).toBe('PONG');
    // L1 copies may have missed fill notifications: the next read of each asks the new primary.
    expect(cache.calls.evictL1).toBe(1);
    // Redis entries from the suspect window are distrusted too, not only L1 ones: from the
    // earliest the primary could have been declared lost (1.5 s + 2 checks), less 1 s of lag.
    expect(cache.calls.distrust).toEqual([[2000, 5000]]);
  });

  it('on a READONLY reply finds the primary through the demoted node, reconnects and retries once', async () => {
    const { a, b } = await pair();
    const cache = recordingCache();
    const m = new RedisConnectionManager({ initialUrl: a.url, cache });
    managers.push(m);
    // The roles swap behind the manager's back (no policy update reaches it).
    await m.whenReady();
    const admin = (s: RedisServer) => startAdmin(s);
    await (await admin(b)).call('REPLICAOF', 'NO', 'ONE');
    await (await admin(a)).call('REPLICAOF', b.host, String(b.port));
    expect(await m.withPrimary((r) => r.set('after-swap', '1'))).toBe('OK');
    expect(m.address.port).toBe(b.port);
    expect(m.switches.readonly).toBe(1);
    expect(cache.calls.distrust).toHaveLength(1);
    expect(await m.client.get('after-swap')).toBe('1');
  });

  it('after a promotion repopulates the keys this service wrote in the suspect window, the latest write of each once', async () => {
    const { a, b } = await pair();
    let now = 1000;
    const m = new RedisConnectionManager({ initialUrl: a.url, cache: recordingCache(), clock: { now: () => now } });
    managers.push(m);
    m.onPolicy(rendered(a, 1));
    await m.whenReady();
    const repaired: string[] = [];
    const write = (key: string, tag: string) => m.write(key, () => Promise.resolve(tag), () => Promise.resolve(void repaired.push(tag)));
    expect(await write('user:1', 'long-ago')).toBe('long-ago');
    now = 4000;
    await write('user:2', 'recent');
    await write('user:3', 'recent-3a');
    await write('user:3', 'recent-3b');
    now = 5000;
    m.onPolicy(rendered(b, 2));
    await m.settled();
    await m.close();
    expect(repaired.sort()).toEqual(['recent', 'recent-3b']);
  });

  it('runs each published warmup request once', async () => {
    const { a } = await pair();
    const runs: string[] = [];
    const m = new RedisConnectionManager({
      initialUrl: a.url,
      cache: recordingCache(),
      onWarmup: (req) => {
        runs.push(req.id);
        return Promise.resolve();
      },
    });
    managers.push(m);
    const w = { id: 'w-1', ratePerSecondPerInstance: 333, topKeys: 100, requestedAt: new Date().toISOString() };
    m.onPolicy(rendered(a, 1, w));
    m.onPolicy(rendered(a, 1, w));
    await m.close();
    expect(runs).toEqual(['w-1']);
  });

  it('does not run a warmup request that is long over when the pod starts', async () => {
    const { a } = await pair();
    const runs: string[] = [];
    const now = Date.parse('2026-11-24T12:00:00Z');
    const m = new RedisConnectionManager({
      initialUrl: a.url,
      cache: recordingCache(),
      clock: { now: () => now },
      onWarmup: (req) => {
        runs.push(req.id);
        return Promise.resolve();
      },
    });
    managers.push(m);
    // 100 keys at 10/s take 10 s; an hour later the request is history.
    m.onPolicy(rendered(a, 1, { id: 'old', ratePerSecondPerInstance: 10, topKeys: 100, requestedAt: '2026-11-24T11:00:00Z' }));
    await m.close();
    expect(runs).toEqual([]);
  });
});

describe('warmup after a cold Redis', () => {
  it('keeps organic misses and warmup together within the rate, paying organic misses first', async () => {
    const { a } = await pair();
    // Logical time: each sleep moves it on by its own length.
    const clock = FakeClock.stepping();
    const registry = new Registry();
    const { Redis } = await import('ioredis');
    const client = new Redis(a.url);
    admins.push(client);
    const cache = createCache({ service: 't', redis: await ready(client), policy: testPolicy({ l1: { maxEntries: 0 } }), clock, registry });
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
    const { a } = await pair();
    const registry = new Registry();
    const { Redis } = await import('ioredis');
    const client = new Redis(a.url);
    admins.push(client);
    const cache = createCache({ service: 't', redis: await ready(client), policy: testPolicy({ l1: { maxEntries: 0 } }), registry });
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

  it('remembers the most recently served keys first, bounded', () => {
    const r = new RecentKeys(3);
    for (const k of ['a', 'b', 'c', 'd', 'b']) r.touch(k);
    expect(r.top(10)).toEqual(['b', 'd', 'c']);
    expect(r.top(2)).toEqual(['b', 'd']);
  });
});

const admins: Redis[] = [];
afterEach(() => {
  for (const c of admins.splice(0)) c.disconnect();
});
async function startAdmin(s: RedisServer): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const c = new Redis({ host: s.host, port: s.port });
  admins.push(c);
  return c;
}
