import { describe, expect, it } from 'vitest';
import { deleting, down, health, master, pod, replicaOf, up } from './fixtures.test-helpers.js';
import { rankReplicas } from './ranking.js';

const p0 = pod('redis-0');
const r = (name: string, over: Parameters<typeof replicaOf>[1], ...mods: Parameters<typeof pod>[1][]) =>
  up(pod(name, ...mods), replicaOf(p0, over));

describe('rankReplicas', () => {
  it.each([
    { name: 'a lower replica-priority wins over a higher offset', a: { priority: 10, offset: 1 }, b: { priority: 100, offset: 999 }, winner: 'redis-1' },
    { name: 'with equal priority the higher replication offset wins', a: { offset: 10 }, b: { offset: 20 }, winner: 'redis-2' },
    { name: 'with equal priority and offset the smaller run id wins', a: { runId: 'b' }, b: { runId: 'a' }, winner: 'redis-2' },
  ])('$name', ({ a, b, winner }) => {
    const h = health(down(p0, master(), 0), r('redis-1', a), r('redis-2', b));
    expect(rankReplicas(h, 'redis-0').ranked[0]?.pod).toBe(winner);
  });

  it('ranks a restarted node that has not synced yet after every synced replica, even with the lowest replica-priority (it holds nothing)', () => {
    // The kubelet restarted the killed primary as a replica of redis-1 within a second; its
    // link never came up, and its priority (100 + ordinal 0, the chart's old setting) is the lowest.
    const fresh = { priority: 100, offset: 1, keys: 0, master: { host: 'redis-1', port: 6379, linkUp: false, lastIoSeconds: null, neverSynced: true } };
    const h = health(
      up(pod('redis-0'), replicaOf(pod('redis-1'), fresh)),
      r('redis-1', { priority: 101, offset: 6_203_238 }),
      r('redis-2', { priority: 102, offset: 6_203_238 }),
    );
    expect(rankReplicas(h, null).ranked.map((c) => c.pod)).toEqual(['redis-1', 'redis-2', 'redis-0']);
  });

  it('still ranks replicas that have never synced when none has (a fresh StatefulSet: nothing to lose)', () => {
    const fresh = (n: number) => ({ priority: 100 + n, offset: 1, keys: 0, master: { host: 'x', port: 6379, linkUp: false, lastIoSeconds: null, neverSynced: true } });
    const h = health(up(pod('redis-0'), replicaOf(pod('redis-1'), fresh(0))), up(pod('redis-1'), replicaOf(pod('redis-0'), fresh(1))));
    expect(rankReplicas(h, null).ranked.map((c) => c.pod)).toEqual(['redis-0', 'redis-1']);
  });

  it('never ranks the old primary, an unreachable, deleting or priority-0 replica', () => {
    const h = health(
      down(p0, master(), 0),
      down(pod('redis-1'), replicaOf(p0), 0),
      r('redis-2', {}, deleting),
      r('redis-3', { priority: 0 }),
      up(pod('redis-4'), master()),
    );
    const { ranked, excluded } = rankReplicas(h, 'redis-0');
    expect(ranked).toEqual([]);
    expect(Object.fromEntries(excluded.map((e) => [e.pod, e.why]))).toEqual({
      'redis-0': 'old-primary',
      'redis-1': 'unreachable',
      'redis-2': 'deleting',
      'redis-3': 'priority-zero',
      'redis-4': 'not-a-replica',
    });
  });
});
