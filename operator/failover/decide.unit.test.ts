import { describe, expect, it } from 'vitest';
import { decide, emptyRecord, type RedisRecord } from './decide.js';
import { down, health, labelled, linkDown, master, dead, pod, replicaOf, up } from './fixtures.test-helpers.js';
import { judge } from './health.js';

const p0 = pod('redis-0', labelled);
/** kill -9: Kubernetes reports the pod NotReady; the replicas lost their link. */
const p0Dead = pod('redis-0', labelled, dead);
const p1 = pod('redis-1');
const p2 = pod('redis-2');
const rec = (over: Partial<RedisRecord> = {}): RedisRecord => ({ ...emptyRecord, primary: 'redis-0', epoch: 1, primaryFenced: true, ...over });
const run = (h: ReturnType<typeof health>, r: RedisRecord, now: number, failoverEnabled = true) =>
  decide({ record: r, verdict: judge(h, r.primary, now, 1500), health: h, failoverEnabled, detectAfterMs: 1500, newId: () => 'id-1', now });

describe('decide', () => {
  it('starts a promotion of the best replica at the next epoch once the primary is lost', () => {
    const h = health(down(p0Dead, master(), 0), up(p1, linkDown(p0, { offset: 10 })), up(p2, linkDown(p0, { offset: 20 })));
    expect(run(h, rec(), 2000)).toEqual({
      kind: 'promote',
      resumed: false,
      progress: { id: 'id-1', reason: 'PrimaryLost', from: 'redis-0', to: 'redis-2', epoch: 2, step: 'Chosen', detectedAt: 2000 },
    });
  });

  it('holds when every Redis is unreachable, even with a promotion recorded', () => {
    const h = health(down(p0, master(), 0), down(p1, replicaOf(p0), 0));
    const r = rec({ promotion: { id: 'a', reason: 'PrimaryLost', from: 'redis-0', to: 'redis-1', epoch: 2, step: 'Chosen', detectedAt: 0 } });
    expect(run(h, r, 60_000)).toMatchObject({ kind: 'hold', reason: 'AllRedisUnreachable' });
  });

  it('resumes a recorded promotion instead of choosing again (a new leader finishes it)', () => {
    const progress = { id: 'a', reason: 'PrimaryLost', from: 'redis-0', to: 'redis-1', epoch: 2, step: 'Promoted', detectedAt: 0 } as const;
    const h = health(down(p0, master(), 0), up(p1, master()), up(p2, replicaOf(p0)));
    expect(run(h, rec({ promotion: progress }), 9000)).toEqual({ kind: 'promote', progress, resumed: true });
  });

  it('holds with a named reason when no replica can be promoted', () => {
    const h = health(down(p0Dead, master(), 0), up(p1, linkDown(p0, { priority: 0 })));
    expect(run(h, rec(), 2000)).toMatchObject({ kind: 'hold', reason: 'NoPromotableReplica' });
  });

  it('holds without a quorum: the operator lost the primary but the replicas still hear it', () => {
    const h = health(down(p0, master(), 0), up(p1, replicaOf(p0)), up(p2, replicaOf(p0)));
    expect(run(h, rec(), 60_000)).toMatchObject({
      kind: 'hold',
      reason: 'NoQuorum',
      detail: 'operator: gone (own probe), redis-1: alive (link up), redis-2: alive (link up)',
    });
  });

  it('does not promote when failover is disabled in the policy', () => {
    const h = health(down(p0, master(), 0), up(p1, replicaOf(p0)));
    expect(run(h, rec(), 2000, false)).toMatchObject({ kind: 'hold', reason: 'FailoverDisabled' });
  });
});
