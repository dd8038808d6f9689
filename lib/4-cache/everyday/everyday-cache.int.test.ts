import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, L2UnavailableError, NoKeyspaceError, NotFoundError } from '../../1-ground/errors.js';
import { parsePolicySpec } from '../../3-policy/load.js';
import { NOT_FOUND } from '../cache/not-found.js';
import { freePort, waitFor } from '../../../testkit/process.js';
import { gate } from '../../../testkit/cache/metrics.js';
import { ready, useRedis } from '../../../testkit/cache/redis-fixture.js';
import { createCache, createCacheFromPolicy, type Cache } from './everyday-cache.js';
import type { CacheOptions, KeyspaceOptions } from './options.js';

describe('the everyday cache against a real Redis', () => {
  const redis = useRedis();
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
  });
  /** One "process": its own cache and its own Redis connection (from the URL, owned by the cache). */
  const proc = (keyspace: Partial<KeyspaceOptions> = {}, extra: Partial<CacheOptions> = {}) => {
    const c = createCache({ redis: redis.server().url, service: 't', keyspaces: { 'k:': { ttl: '60s', ...keyspace } }, ...extra });
    caches.push(c);
    return c;
  };
  const counted = <T>(value: T) => {
    const f = Object.assign(() => (f.calls++, Promise.resolve(value)), { calls: 0 });
    return f;
  };

  it('getOrSet calls the factory once for concurrent callers in two processes, then serves from Redis', async () => {
    const [a, b] = [proc(), proc()];
    const started = gate();
    const release = gate();
    let calls = 0;
    const factory = async () => {
      calls++;
      started.open();
      await release.promise;
      return { name: 'Ada' };
    };
    const first = a.getOrSet('k:1', factory);
    await started.promise; // a holds the lease: b's callers wait for its value
    const others = [a.getOrSet('k:1', factory), b.getOrSet('k:1', factory), b.getOrSet('k:1', factory)];
    release.open();
    expect(await Promise.all([first, ...others])).toEqual(Array(4).fill({ name: 'Ada' }));
    expect(calls).toBe(1);
    const c = proc(); // a third process: empty L1, the value is in Redis
    expect(await c.getOrSet('k:1', factory)).toEqual({ name: 'Ada' });
    expect(calls).toBe(1);
    expect(JSON.parse((await redis.admin().get('k:1')) ?? 'null')).toMatchObject({ v: { name: 'Ada' } });
  });

  it('uses Redis from its very first call, although the client it opens from the URL is still connecting then', async () => {
    const a = proc();
    expect(await a.getOrSet('k:first', () => Promise.resolve('v'))).toBe('v');
    expect(await redis.admin().exists('k:first')).toBe(1);
  });

  it('set stores a value every process reads, replacing the L1 copies they hold', async () => {
    const [a, b] = [proc(), proc()];
    expect(await b.getOrSet('k:2', () => Promise.resolve('old'))).toBe('old');
    await a.set('k:2', 'new');
    const factory = counted('from the origin');
    expect(await a.getOrSet('k:2', factory)).toBe('new');
    await waitFor('b to read the new value', async () => (await b.getOrSet('k:2', factory)) === 'new', 5_000);
    expect(factory.calls).toBe(0);
  });

  it('delete removes the key from Redis and every L1: the next read calls the factory', async () => {
    const [a, b] = [proc(), proc()];
    await a.set('k:3', 'v1');
    expect(await b.getOrSet('k:3', () => Promise.resolve('unused'))).toBe('v1');
    await a.delete('k:3');
    expect(await redis.admin().exists('k:3')).toBe(0);
    await waitFor('b to drop its copy', async () => (await b.getOrSet('k:3', () => Promise.resolve('v2'))) === 'v2', 5_000);
  });

  it('a factory answering NOT_FOUND rejects with NotFoundError, cached for negativeTTL', async () => {
    const a = proc({ negativeTTL: '1m' });
    const factory = counted(NOT_FOUND);
    for (let i = 0; i < 2; i++) {
      const err = await a.getOrSet('k:none', factory).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).code).toBe('E_NOT_FOUND');
    }
    expect(factory.calls).toBe(1);
  });

  it('serves a stale value at once within staleWhileRevalidate and refreshes it behind', async () => {
    const a = proc({ ttl: '1s', staleWhileRevalidate: '1m', l1: { maxEntries: 0 } });
    await a.set('k:swr', 'v1');
    await new Promise((r) => setTimeout(r, 1100));
    const factory = counted('v2');
    expect(await a.getOrSet('k:swr', factory)).toBe('v1');
    await waitFor('the refresh to store v2', async () => (await a.getOrSet('k:swr', factory)) === 'v2', 5_000);
    expect(factory.calls).toBe(1);
  });

  it('a key outside every keyspace is refused with NoKeyspaceError', async () => {
    const err = await proc().getOrSet('other:1', () => Promise.resolve(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoKeyspaceError);
    expect((err as NoKeyspaceError).code).toBe('E_NO_KEYSPACE');
  });

  it('set refuses NOT_FOUND: a value is stored, absence is a delete', async () => {
    const err = await proc().set('k:4', NOT_FOUND).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect(await redis.admin().exists('k:4')).toBe(0);
  });

  it("an aborted signal stops the caller's wait, not the fill: the value lands for the next caller", async () => {
    const a = proc();
    const started = gate();
    const release = gate();
    const factory = Object.assign(async () => (factory.calls++, started.open(), await release.promise, 'filled'), { calls: 0 });
    const ac = new AbortController();
    const waiting = a.getOrSet('k:5', factory, { signal: ac.signal });
    await started.promise;
    ac.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    release.open();
    await waitFor('the fill to land', async () => (await redis.admin().exists('k:5')) === 1, 5_000);
    expect(await a.getOrSet('k:5', factory)).toBe('filled');
    expect(factory.calls).toBe(1);
    const before = factory.calls;
    await expect(a.getOrSet('k:6', factory, { signal: AbortSignal.abort(new Error('already gone')) })).rejects.toThrow('already gone');
    expect(factory.calls).toBe(before); // an aborted signal never starts a fill
  });

  it('closes the client it opened from a URL, and leaves a client it was given open', async () => {
    const admin = redis.admin();
    const connections = async () => ((await admin.call('CLIENT', 'LIST')) as string).trim().split('\n').length;
    const baseline = await connections();
    const owned = createCache({ redis: redis.server().url, keyspaces: { 'k:': { ttl: '1m' } } });
    await owned.getOrSet('k:7', () => Promise.resolve(1));
    expect(await connections()).toBeGreaterThan(baseline);
    await owned.close();
    await owned.close(); // twice is fine
    await waitFor('the owned connections to close', async () => (await connections()) === baseline, 5_000);
    const given = await ready(redis.client());
    const lent = createCache({ redis: given, keyspaces: { 'k:': { ttl: '1m' } } });
    await lent.getOrSet('k:8', () => Promise.resolve(1));
    await lent.close();
    expect(await given.ping()).toBe('PONG');
  });

  it('a policy cache applies a new policy in place', async () => {
    const spec = (prefixes: string[]) => ({ targetRef: { kind: 'Deployment', name: 'x' }, keyspaces: prefixes.map((prefix) => ({ prefix, ttl: '1m' })) });
    const a = createCacheFromPolicy({ redis: await ready(redis.client()), policy: parsePolicySpec(spec(['k:'])) });
    caches.push(a);
    await expect(a.getOrSet('n:1', () => Promise.resolve(1))).rejects.toBeInstanceOf(NoKeyspaceError);
    a.applyPolicy(parsePolicySpec(spec(['k:', 'n:'])));
    expect(await a.getOrSet('n:1', () => Promise.resolve(1))).toBe(1);
    expect(a.policy.keyspaces.map((k) => k.prefix)).toEqual(['k:', 'n:']);
  });
});

describe('the everyday cache with Redis down', () => {
  it('reads through to the factory and keeps the value in L1; set keeps it in L1; delete says Redis is unreachable', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
    const cache = createCache({ redis: url, keyspaces: { 'k:': { ttl: '1m', coalescing: { waitTimeout: '100ms' } } } });
    try {
      let calls = 0;
      const factory = () => (calls++, Promise.resolve('from the origin'));
      expect(await cache.getOrSet('k:1', factory)).toBe('from the origin');
      expect(await cache.getOrSet('k:1', factory)).toBe('from the origin');
      expect(calls).toBe(1);
      await cache.set('k:2', 'set while down');
      expect(await cache.getOrSet('k:2', factory)).toBe('set while down');
      const err = await cache.delete('k:1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(L2UnavailableError);
      expect((err as L2UnavailableError).code).toBe('E_L2_UNAVAILABLE');
      expect(await cache.getOrSet('k:1', factory)).toBe('from the origin'); // its own L1 copy went
      expect(calls).toBe(2);
    } finally {
      await cache.close();
    }
  });
});
