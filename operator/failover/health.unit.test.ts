import { describe, expect, it } from 'vitest';
import { down, health, labelled, master, notReady, pod, replicaOf, up } from './fixtures.test-helpers.js';
import { judge, observe } from './health.js';
import type { Probe } from './world.js';

const p0 = pod('redis-0', labelled);
const p1 = pod('redis-1');
const p2 = pod('redis-2');
const DETECT = 1500;

const ok = (info: ReturnType<typeof master>): Probe => ({ ok: true, info });
const fail: Probe = { ok: false, error: 'ECONNREFUSED', hung: false };

describe('observe', () => {
  it('counts consecutive failures from the first missed check and keeps the last good answer', () => {
    let h = observe(new Map(), [p0], new Map([['redis-0', ok(master())]]), 0, 'redis-0');
    h = observe(h, [p0], new Map([['redis-0', fail]]), 250, 'redis-0');
    h = observe(h, [p0], new Map([['redis-0', fail]]), 500, 'redis-0');
    expect(h.get('redis-0')).toMatchObject({ reachable: false, consecutiveFailures: 2, failingSince: 250 });
    expect(h.get('redis-0')?.info?.role).toBe('master');
  });

  it('resets the failure run as soon as one check succeeds', () => {
    let h = observe(new Map(), [p0], new Map([['redis-0', fail]]), 0, 'redis-0');
    h = observe(h, [p0], new Map([['redis-0', ok(master())]]), 250, 'redis-0');
    expect(h.get('redis-0')).toMatchObject({ reachable: true, consecutiveFailures: 0, failingSince: null });
  });

  it('keeps a deleted primary pod as absent and failing, and drops other departed pods', () => {
    let h = observe(new Map(), [p0, p1], new Map([['redis-0', ok(master())], ['redis-1', ok(replicaOf(p0))]]), 0, 'redis-0');
    h = observe(h, [], new Map(), 250, 'redis-0');
    expect([...h.keys()]).toEqual(['redis-0']);
    expect(h.get('redis-0')).toMatchObject({ present: false, reachable: false, consecutiveFailures: 1 });
  });
});

describe('judge', () => {
  const cases: Array<{ name: string; h: ReturnType<typeof health>; now: number; kind: string }> = [
    { name: 'a healthy primary with healthy replicas is healthy', h: health(up(p0, master()), up(p1, replicaOf(p0))), now: 0, kind: 'healthy' },
    {
      name: 'a single missed ping never promotes, however long ago it was',
      h: health(down(p0, master(), 0, 1), up(p1, replicaOf(p0))),
      now: 60_000,
      kind: 'suspect',
    },
    {
      name: 'a primary failing for less than detectAfter is only suspect',
      h: health(down(p0, master(), 0, 5), up(p1, replicaOf(p0))),
      now: DETECT - 1,
      kind: 'suspect',
    },
    {
      name: 'a primary failing for detectAfter with two or more misses is lost',
      h: health(down(p0, master(), 0, 2), up(p1, replicaOf(p0))),
      now: DETECT,
      kind: 'lost',
    },
    {
      name: 'a NotReady primary pod that also misses two pings is lost before detectAfter',
      h: health(down(pod('redis-0', labelled, notReady), master(), 0, 2), up(p1, replicaOf(p0))),
      now: 300,
      kind: 'lost',
    },
    {
      name: 'when every Redis is unreachable the operator holds: it may be the one cut off',
      h: health(down(p0, master(), 0, 50), down(p1, replicaOf(p0), 0, 50), down(p2, replicaOf(p0), 0, 50)),
      now: 60_000,
      kind: 'isolated',
    },
    {
      name: 'a reachable primary whose pod is being deleted asks for a planned switchover',
      h: health(up(pod('redis-0', labelled, (p) => ({ ...p, deleting: true })), master()), up(p1, replicaOf(p0))),
      now: 0,
      kind: 'planned',
    },
  ];
  it.each(cases)('$name', ({ h, now, kind }) => {
    expect(judge(h, 'redis-0', now, DETECT).kind).toBe(kind);
  });

  it('adopts the master holding the most data when nothing is recorded', () => {
    const v = judge(health(up(p0, master({ keys: 5 })), up(p1, master({ keys: 900 }))), null, 0, DETECT);
    expect(v).toEqual({ kind: 'adopt', primary: 'redis-1' });
  });

  it('follows a switchover that completed without being recorded', () => {
    const v = judge(health(up(p0, replicaOf(p1)), up(p1, master())), 'redis-0', 0, DETECT);
    expect(v).toEqual({ kind: 'adopt', primary: 'redis-1' });
  });
});
