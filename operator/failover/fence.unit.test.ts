import { describe, expect, it } from 'vitest';
import { fenceBoundMs, fenceLagSeconds, fencePlan } from './fence.js';
import { deleting, down, health, master, masterWith, pod, replicaOf, up } from './fixtures.test-helpers.js';

const p0 = pod('redis-0');
const min = (h: ReturnType<typeof health>) => fencePlan(h, 'redis-0', 1500);

describe('the fence of the primary', () => {
  it('ties the tolerated replica silence and the bound to detectAfter', () => {
    expect(fenceLagSeconds(1500)).toBe(1);
    expect(fenceBoundMs(1500)).toBe(3000);
    expect(fenceLagSeconds(5000)).toBe(5);
    expect(fenceLagSeconds(200)).toBe(1);
  });

  it.each([
    { name: 'asks one replica of a primary with one or two replicas online', pods: 3, expected: 1 },
    { name: 'asks a majority of the other pods of a larger Redis', pods: 5, expected: 2 },
    { name: 'asks nothing of a single-pod Redis, which can never be promoted over', pods: 1, expected: 0 },
  ])('$name', ({ pods, expected }) => {
    const replicas = Array.from({ length: pods - 1 }, (_, i) => pod(`redis-${i + 1}`));
    const plan = min(health(up(p0, masterWith(...replicas)), ...replicas.map((r) => up(r, replicaOf(p0)))));
    expect(plan.settings).toEqual({ minReplicasToWrite: expected, maxLagSeconds: 1, pingPeriodSeconds: 1 });
    expect(plan.fenced).toBe(true);
  });

  it('lets a survivor take writes while its only replica is down, and says it is not fenced', () => {
    const plan = min(health(up(p0, master()), down(pod('redis-1'), replicaOf(p0), 0, 2)));
    expect(plan).toEqual({ settings: { minReplicasToWrite: 0, maxLagSeconds: 1, pingPeriodSeconds: 1 }, fenced: false });
  });

  it('does not raise the fence before a returning replica is online at the primary: that would refuse writes itself', () => {
    const r1 = pod('redis-1');
    expect(min(health(up(p0, master()), up(r1, replicaOf(p0)))).settings.minReplicasToWrite).toBe(0);
    expect(min(health(up(p0, masterWith(r1)), up(r1, replicaOf(p0)))).settings.minReplicasToWrite).toBe(1);
  });

  it('keeps the fence when the operator lost the replica but the primary still has it online', () => {
    const r1 = pod('redis-1');
    expect(min(health(up(p0, masterWith(r1)), down(r1, replicaOf(p0), 0, 5))).fenced).toBe(true);
  });

  it('drops the fence before a planned restart takes the only replica away', () => {
    const r1 = pod('redis-1', deleting);
    expect(min(health(up(p0, masterWith(r1)), up(r1, replicaOf(p0)))).settings.minReplicasToWrite).toBe(0);
  });
});
