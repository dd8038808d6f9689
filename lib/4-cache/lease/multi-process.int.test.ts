import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startCacheChild, type CacheChild } from '../../../testkit/cache/child-process.js';
import { useRedis } from '../../../testkit/cache/redis-fixture.js';

const spec = (coalescing: Record<string, unknown>) => ({
  targetRef: { kind: 'Deployment', name: 'test' },
  keyspaces: [{ prefix: 'k:', ttl: '60s', coalescing }],
  origin: { maxConcurrency: 64, maxQueue: 100_000 },
});

describe('cross-process coalescing with the Redis lease', () => {
  const redis = useRedis();
  const children: CacheChild[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop()));
  });

  it('1 000 concurrent misses in each of 3 processes make 1 origin call in total', async () => {
    const url = redis.server().url;
    children.push(...(await Promise.all([1, 2, 3].map(() => startCacheChild(url, spec({}))))));
    const done = await Promise.all(
      children.map((c) =>
        c.run({ key: 'k:AAPL', n: 1000, delayMs: 300, hang: false, counterKey: 'origin-calls' }),
      ),
    );
    expect(Number(await redis.admin().get('origin-calls'))).toBe(1);
    for (const d of done) {
      expect(d.errors).toEqual({});
      expect(d.values).toEqual({ 'value-1': 1000 });
    }
  });

  it('without the lease, each of 3 processes still makes at most one origin call for the burst', async () => {
    const url = redis.server().url;
    children.push(
      ...(await Promise.all([1, 2, 3].map(() => startCacheChild(url, spec({ distributed: false }))))),
    );
    // Each process fills while the others are still computing: a slow origin keeps them overlapping.
    const done = await Promise.all(
      children.map((c) =>
        c.run({ key: 'k:AAPL', n: 1000, delayMs: 1500, hang: false, counterKey: 'origin-calls' }),
      ),
    );
    const calls = Number(await redis.admin().get('origin-calls'));
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(3);
    expect(done.every((d) => Object.keys(d.errors).length === 0)).toBe(true);
  });

  it('a leader killed mid-fetch is replaced by exactly one waiter, and every waiter is answered', async () => {
    const url = redis.server().url;
    const policy = spec({ leaseTTL: '3s', waitTimeout: '2900ms' });
    const [leader, b, c] = await Promise.all([1, 2, 3].map(() => startCacheChild(url, policy)));
    children.push(leader!, b!, c!);
    const factoryStarted = leader!.next('factory');
    const leaderRun = leader!.run({
      key: 'k:MSFT',
      n: 10,
      delayMs: 0,
      hang: true,
      counterKey: 'origin-calls',
    });
    void leaderRun.catch(() => undefined); // never answers: the process is killed
    await factoryStarted;
    // The waiters arrive while the leader still holds its lease; their wait outlasts the lease.
    await sleep(1500);
    const waiting = [b!, c!].map((p) =>
      p.run({ key: 'k:MSFT', n: 500, delayMs: 50, hang: false, counterKey: 'origin-calls' }),
    );
    await leader!.kill();
    const done = await Promise.all(waiting);
    expect(Number(await redis.admin().get('origin-calls'))).toBe(2); // the dead leader's call and one takeover
    expect(done.reduce((s, d) => s + d.takeovers, 0)).toBe(1);
    for (const d of done) {
      expect(d.errors).toEqual({});
      expect(d.values).toEqual({ 'value-2': 500 });
    }
  });
});
