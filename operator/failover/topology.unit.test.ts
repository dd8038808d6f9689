import { describe, expect, it } from 'vitest';
import { collapsed, warmupRate } from './cold.js';
import { health, labelled, master, pod, replicaOf, up, world } from './fixtures.test-helpers.js';
import { primariesSeen, steadyActions } from './topology.js';

const p0 = pod('redis-0');
const p1 = pod('redis-1', labelled);

describe('steadyActions', () => {
  it('takes the label off a returning old primary before making it a replica of the new one', () => {
    const returning = pod('redis-0', labelled);
    const w = world(health(up(returning, master({ keys: 0 })), up(p1, master())), { primary: 'redis-1', epoch: 2 });
    expect(primariesSeen(w)).toEqual(['redis-0', 'redis-1']);
    expect(steadyActions(w, 'redis-1', 2)).toEqual([
      { kind: 'move-label', to: 'redis-1' },
      { kind: 'replicaof', pod: 'redis-0', primary: 'redis-1' },
    ]);
  });

  it('does nothing when exactly one primary is labelled, followed and published', () => {
    const w = world(health(up(p0, replicaOf(p1)), up(p1, master())), { primary: 'redis-1', epoch: 2 });
    expect(steadyActions(w, 'redis-1', 2)).toEqual([]);
  });
});

describe('cold Redis detection', () => {
  it.each([
    { name: 'a collapse from 10 000 keys to 0 is cold', prev: 10_000, now: 0, cold: true },
    { name: 'a drop to 50% is eviction or expiry, not cold', prev: 10_000, now: 5_000, cold: false },
    { name: 'an almost empty Redis emptying is not cold', prev: 20, now: 0, cold: false },
    { name: 'no previous count is not cold', prev: null, now: 0, cold: false },
  ])('$name', ({ prev, now, cold }) => {
    expect(collapsed(prev, now)).toBe(cold);
  });

  it('splits the fleet-wide warmup rate between instances so the origin sees at most the policy rate', () => {
    expect(warmupRate(1000, 3)).toBe(333);
    expect(warmupRate(1000, 0)).toBe(1000);
  });
});
