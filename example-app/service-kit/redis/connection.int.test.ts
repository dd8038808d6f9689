import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyUpdate } from '../../../lib/3-policy/source.js';
import type { RenderedPolicy } from '../../../lib/3-policy/types.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { startRedis, type RedisServer } from '../../../testkit/redis.js';
import { followWithCache } from './cache-link.js';
import { RedisConnectionManager } from './connection.js';
import type { RedisSwitch } from './events.js';
import { RecentWrites } from './recent-writes.js';

let servers: RedisServer[] = [];
let closers: Array<() => Promise<void>> = [];
const admins: Redis[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  await Promise.all(servers.map((s) => s.stop(1000)));
  for (const c of admins.splice(0)) c.disconnect();
  servers = [];
  closers = [];
});

function manager(o: ConstructorParameters<typeof RedisConnectionManager>[0]): RedisConnectionManager {
  const m = new RedisConnectionManager(o);
  closers.push(() => m.close());
  return m;
}

/** Records what following asks of the cache (the seam under test), against real Redis. */
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

/** A policy update naming `primary` at `epoch`, with the default failover timing (1.5 s, checks every 250 ms). */
const published = (primary: RedisServer, epoch: number): PolicyUpdate => ({
  policy: testPolicy(),
  rendered: {
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'RenderedCachePolicy',
    policy: 'profile',
    namespace: 'shop',
    generation: 1,
    spec: {},
    redis: { primary: `${primary.host}:${primary.port}`, epoch },
  } satisfies RenderedPolicy,
});

async function pair() {
  const a = await startRedis({ name: 'a' });
  const b = await startRedis({ name: 'b', replicaOf: { host: a.host, port: a.port } });
  servers.push(a, b);
  return { a, b };
}

async function startAdmin(s: RedisServer): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const c = new Redis({ host: s.host, port: s.port });
  admins.push(c);
  return c;
}

describe('RedisConnectionManager', () => {
  it('moves the cache to the primary the policy publishes, closes the old client, drops L1 and distrusts the suspect window', async () => {
    const { a, b } = await pair();
    const cache = recordingCache();
    let now = 1000;
    const m = manager({ initialUrl: a.url, clock: { now: () => now } });
    followWithCache(m, cache);
    m.onPolicy(published(a, 1));
    await m.settled();
    expect(cache.calls.setRedis).toHaveLength(1);
    const old = m.client;
    now = 5000;
    m.onPolicy(published(b, 2));
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

  it('tells its switch listeners the new client, keeps telling the others when one throws, and stops telling one that unsubscribed', async () => {
    const { a, b } = await pair();
    const m = manager({ initialUrl: a.url });
    const heard: RedisSwitch[] = [];
    const gone: RedisSwitch[] = [];
    m.onSwitch(() => {
      throw new Error('a listener that fails');
    });
    m.onSwitch((s) => heard.push(s));
    const off = m.onSwitch((s) => gone.push(s));
    off();
    m.onPolicy(published(a, 1));
    m.onPolicy(published(b, 1));
    await m.settled();
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ address: { host: b.host, port: b.port }, cause: 'policy' });
    expect(heard[0]?.client).toBe(m.client);
    expect(gone).toEqual([]);
  });

  it('on a READONLY reply finds the primary through the demoted node, reconnects and retries once', async () => {
    const { a, b } = await pair();
    const cache = recordingCache();
    const m = manager({ initialUrl: a.url });
    followWithCache(m, cache);
    // The roles swap behind the manager's back (no policy update reaches it).
    await m.whenReady();
    await (await startAdmin(b)).call('REPLICAOF', 'NO', 'ONE');
    await (await startAdmin(a)).call('REPLICAOF', b.host, String(b.port));
    expect(await m.withPrimary((r) => r.set('after-swap', '1'))).toBe('OK');
    expect(m.address.port).toBe(b.port);
    expect(m.switches.readonly).toBe(1);
    expect(cache.calls.distrust).toHaveLength(1);
    expect(await m.client.get('after-swap')).toBe('1');
  });
});

describe('RecentWrites', () => {
  it('after a promotion repopulates the keys this service wrote in the suspect window, the latest write of each once', async () => {
    const { a, b } = await pair();
    let now = 1000;
    const m = manager({ initialUrl: a.url, clock: { now: () => now } });
    const writes = new RecentWrites(m);
    m.onPolicy(published(a, 1));
    await m.whenReady();
    const repaired: string[] = [];
    const write = (key: string, tag: string) => writes.write(key, () => Promise.resolve(tag), () => Promise.resolve(void repaired.push(tag)));
    expect(await write('user:1', 'long-ago')).toBe('long-ago');
    now = 4000;
    await write('user:2', 'recent');
    await write('user:3', 'recent-3a');
    await write('user:3', 'recent-3b');
    now = 5000;
    m.onPolicy(published(b, 2));
    await m.settled();
    await writes.close();
    expect(repaired.sort()).toEqual(['recent', 'recent-3b']);
  });
});
