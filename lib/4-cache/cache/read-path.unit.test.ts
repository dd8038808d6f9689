/**
 * The read path on the in-memory L2 driver (held to the same contract as Redis in
 * l2/driver-contract.test-helpers.ts): fast and deterministic on a fake clock. The same
 * behaviours against a real Redis stay in the *.int.test.ts files beside this one.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseWaitTimeoutError, NotFoundError, OriginError } from '../../1-ground/errors.js';
import { FakeClock } from '../../../testkit/cache/fake-clock.js';
import { gate, metricValue } from '../../../testkit/cache/metrics.js';
import { testPolicy, type KeyspaceSpec } from '../../../testkit/cache/policy.js';
import { MemoryStore } from '../l2/testing/memory-driver.js';
import { fillChannel, leaseKey } from '../lease/keys.js';
import { HerdCache } from './herd-cache.js';
import { NOT_FOUND } from './not-found.js';

const caches: HerdCache[] = [];
afterEach(async () => {
  for (const c of caches.splice(0)) await c.close();
});

/** Instances of one service sharing one in-memory L2, on one fake clock. */
function fleet(ks: KeyspaceSpec = {}) {
  const clock = new FakeClock();
  const store = new MemoryStore({ now: () => clock.now() });
  const policy = testPolicy({ ttl: '10s', l1: { maxEntries: 0 }, ...ks });
  const instance = () => {
    const registry = new Registry();
    const cache = new HerdCache(
      { service: 't', redis: null, policy, clock, registry },
      store.connect(fillChannel('t')),
    );
    caches.push(cache);
    const requests = (tier: string, result: string) =>
      metricValue(registry, 'herdguard_cache_requests_total', { tier, result });
    return { cache, registry, requests };
  };
  return { clock, store, instance };
}

/** A factory that counts its calls and answers `value` (or fails while `fail` is set). */
function origin(value: unknown = 'v1') {
  const o = {
    calls: 0,
    value,
    fail: false,
    factory: () => {
      o.calls++;
      return o.fail ? Promise.reject(new Error('origin down')) : Promise.resolve(o.value);
    },
  };
  return o;
}

const stored = (store: MemoryStore, key: string) => JSON.parse(store.get(key) as string) as { v: unknown };

describe('the read path on the in-memory L2', () => {
  it('a fresh value is an L2 hit on every instance, with one origin call; each read counted once', async () => {
    const { instance } = fleet();
    const [a, b] = [instance(), instance()];
    const o = origin();
    expect(await a.cache.get('k:1', o.factory)).toBe('v1');
    expect(await a.cache.get('k:1', o.factory)).toBe('v1');
    expect(await b.cache.get('k:1', o.factory)).toBe('v1');
    expect(o.calls).toBe(1);
    expect([
      await a.requests('l2', 'miss'),
      await a.requests('l2', 'hit'),
      await b.requests('l2', 'hit'),
    ]).toEqual([1, 1, 1]);
    expect(await a.requests('l1', 'miss')).toBe(0); // L1 is off: nothing to miss
  });

  it('an L1 hit asks neither L2 nor the origin; an L1 miss is counted with the L2 outcome', async () => {
    const { store, instance } = fleet({ l1: { maxEntries: 100, ttl: '5s' } });
    const a = instance();
    const o = origin();
    await a.cache.get('k:1', o.factory);
    store.down = true; // an L1 hit would not notice
    expect(await a.cache.get('k:1', o.factory)).toBe('v1');
    expect(o.calls).toBe(1);
    expect([
      await a.requests('l1', 'miss'),
      await a.requests('l2', 'miss'),
      await a.requests('l1', 'hit'),
    ]).toEqual([1, 1, 1]);
  });

  it('serves stale within staleWhileRevalidate and refreshes once in the background', async () => {
    const { clock, store, instance } = fleet({ staleWhileRevalidate: '30s' });
    const a = instance();
    const o = origin();
    await a.cache.get('k:s', o.factory);
    clock.advance(15_000);
    o.value = 'v2';
    const served = await Promise.all(Array.from({ length: 20 }, () => a.cache.get('k:s', o.factory)));
    expect(new Set(served)).toEqual(new Set(['v1']));
    await a.cache.close(); // waits for the background refresh
    expect(o.calls).toBe(2);
    expect(stored(store, 'k:s').v).toBe('v2');
    expect(await a.requests('l2', 'stale')).toBe(20);
    expect(await metricValue(a.registry, 'herdguard_cache_refresh_total', { reason: 'stale' })).toBe(1);
  });

  it('serves the stale value within staleIfError when the origin fails, then a typed error after it', async () => {
    const { clock, instance } = fleet({ staleIfError: '60s' });
    const a = instance();
    const o = origin();
    await a.cache.get('k:e', o.factory);
    o.fail = true;
    clock.advance(15_000);
    expect(await a.cache.get('k:e', o.factory)).toBe('v1');
    expect(
      await metricValue(a.registry, 'herdguard_cache_stale_fallbacks_total', { reason: 'origin_failed' }),
    ).toBe(1);
    clock.advance(60_000);
    await expect(a.cache.get('k:e', o.factory)).rejects.toBeInstanceOf(OriginError);
    expect(o.calls).toBe(3);
  });

  it('caches a not-found for negativeTTL on every instance, then asks the origin again', async () => {
    const { clock, instance } = fleet({ negativeTTL: '30s' });
    const [a, b] = [instance(), instance()];
    const o = origin(NOT_FOUND);
    await expect(a.cache.get('k:none', o.factory)).rejects.toBeInstanceOf(NotFoundError);
    await expect(b.cache.get('k:none', o.factory)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect(o.calls).toBe(1);
    clock.advance(31_000);
    await expect(a.cache.get('k:none', o.factory)).rejects.toBeInstanceOf(NotFoundError);
    expect(o.calls).toBe(2);
    expect(await metricValue(a.registry, 'herdguard_cache_errors_total')).toBe(0); // an answer, not an error
  });

  it('does not cache a not-found when negativeTTL is 0', async () => {
    const { store, instance } = fleet({ negativeTTL: '0s' });
    const a = instance();
    const o = origin(NOT_FOUND);
    await expect(a.cache.get('k:none', o.factory)).rejects.toBeInstanceOf(NotFoundError);
    await expect(a.cache.get('k:none', o.factory)).rejects.toBeInstanceOf(NotFoundError);
    expect(o.calls).toBe(2);
    expect(store.get('k:none')).toBeNull();
  });

  it('1 000 concurrent misses on each of three instances make one origin call; the others wait for its announcement', async () => {
    const { instance } = fleet();
    const pods = [instance(), instance(), instance()];
    const release = gate<string>();
    let calls = 0;
    const slow = () => (calls++, release.promise);
    const all = pods.flatMap((p) => Array.from({ length: 1000 }, () => p.cache.get('k:herd', slow)));
    await new Promise((r) => setTimeout(r, 20)); // every instance has asked for the lease
    release.open('v');
    expect(new Set(await Promise.all(all))).toEqual(new Set(['v']));
    expect(calls).toBe(1);
    const waited = await Promise.all(
      pods.map((p) => metricValue(p.registry, 'herdguard_cache_lease_total', { result: 'waited' })),
    );
    expect(waited.reduce((s, n) => s + n, 0)).toBe(2);
  });

  it("a leader whose lease lapsed has its write refused: the newer leader's value stays, in L2 and in L1", async () => {
    const { clock, store, instance } = fleet({
      l1: { maxEntries: 100 },
      coalescing: { leaseTTL: '10s', waitTimeout: '5s' },
    });
    const [a, b] = [instance(), instance()];
    const started = gate();
    const release = gate<string>();
    const slow = a.cache.get('k:f', () => (started.open(), release.promise));
    await started.promise;
    clock.advance(11_000); // A's lease expires while it computes
    expect(await b.cache.get('k:f', () => Promise.resolve('new'))).toBe('new');
    release.open('old');
    expect(await slow).toBe('old'); // A's own callers asked before the new value existed
    expect(stored(store, 'k:f').v).toBe('new');
    expect(await metricValue(a.registry, 'herdguard_cache_fenced_writes_rejected_total')).toBe(1);
    expect(await a.cache.get('k:f', () => Promise.resolve('unused'))).toBe('new');
  });

  it('a waiter whose holder never answers gives up after waitTimeout: the stale value if any, else LeaseWaitTimeoutError', async () => {
    const { clock, store, instance } = fleet({
      staleIfError: '60s',
      coalescing: { leaseTTL: '10s', waitTimeout: '1s' },
    });
    const a = instance();
    const o = origin();
    await a.cache.get('k:w', o.factory);
    clock.advance(15_000); // stale, within staleIfError
    await store.connect('other').acquire('k:w', 'dead.1', 10_000); // a holder that died holding it
    const waiting = a.cache.get('k:w', o.factory);
    await new Promise((r) => setTimeout(r, 30)); // it polls at least once
    clock.advance(1_000);
    expect(await waiting).toBe('v1');
    expect(o.calls).toBe(1);
    store.del(leaseKey('k:w'));
    await store.connect('other').acquire('k:new', 'dead.2', 10_000);
    const none = a.cache.get('k:new', o.factory);
    await new Promise((r) => setTimeout(r, 30));
    clock.advance(1_000);
    await expect(none).rejects.toBeInstanceOf(LeaseWaitTimeoutError);
  });

  it('with L2 down, an L1 copy past l1.ttl but within ttl is served from L1 (fail-safe), counted as an L1 stale', async () => {
    const { clock, store, instance } = fleet({ ttl: '60s', l1: { maxEntries: 100, ttl: '1s' } });
    const a = instance();
    const o = origin();
    await a.cache.get('k:a', o.factory);
    clock.advance(30_000);
    store.down = true;
    o.value = 'v2';
    expect(
      new Set(await Promise.all(Array.from({ length: 100 }, () => a.cache.get('k:a', o.factory)))),
    ).toEqual(new Set(['v1']));
    expect(o.calls).toBe(1);
    expect([
      await a.requests('l1', 'stale'),
      await a.requests('l1', 'miss'),
      await a.requests('l2', 'miss'),
    ]).toEqual([100, 1, 1]);
  });

  it('an entry written in a distrusted window is served once as stale and refreshed from the origin', async () => {
    const { clock, store, instance } = fleet({ ttl: '60s', staleWhileRevalidate: '30s' });
    const a = instance();
    await a.cache.get('k:d', () => Promise.resolve({ version: 1 }));
    a.cache.distrustWrittenBetween(clock.now() - 1000, clock.now() + 1);
    clock.advance(10);
    const o = origin({ version: 2 });
    expect(await a.cache.get('k:d', o.factory)).toEqual({ version: 1 });
    await a.cache.close();
    expect(o.calls).toBe(1);
    expect(stored(store, 'k:d').v).toEqual({ version: 2 });
    expect(await a.requests('l2', 'stale')).toBe(1);
  });
});
