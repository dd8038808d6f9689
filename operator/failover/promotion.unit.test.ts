import { describe, expect, it } from 'vitest';
import { down, health, labelled, master, pod, replicaOf, up, world } from './fixtures.test-helpers.js';
import { nextPromotionAction, type PromotionProgress } from './promotion.js';

const p0 = pod('redis-0', labelled);
const p1 = pod('redis-1');
const p2 = pod('redis-2');
const progress = (over: Partial<PromotionProgress> = {}): PromotionProgress => ({
  id: 'x',
  reason: 'PrimaryLost',
  from: 'redis-0',
  to: 'redis-1',
  epoch: 2,
  step: 'Chosen',
  detectedAt: 0,
  ...over,
});

describe('nextPromotionAction', () => {
  it('promotes the chosen replica with REPLICAOF NO ONE after an unplanned loss', () => {
    const w = world(health(down(p0, master(), 0), up(p1, replicaOf(p0)), up(p2, replicaOf(p0))));
    expect(nextPromotionAction(progress(), w)).toEqual({ kind: 'replicaof-no-one', pod: 'redis-1', epoch: 2 });
  });

  it('switches over with FAILOVER when the stop is planned and the old primary still answers', () => {
    const w = world(health(up(p0, master()), up(p1, replicaOf(p0))));
    expect(nextPromotionAction(progress({ reason: 'Planned' }), w)).toEqual({ kind: 'failover', from: 'redis-0', to: 'redis-1', epoch: 2 });
  });

  it('skips the promote step when a previous leader already promoted the candidate', () => {
    const w = world(health(down(p0, master(), 0), up(p1, master())));
    expect(nextPromotionAction(progress(), w)).toEqual({ kind: 'advance', step: 'Promoted' });
  });

  it('cancels when the old primary answers again before anything changed (never two primaries)', () => {
    const w = world(health(up(p0, master()), up(p1, replicaOf(p0))));
    expect(nextPromotionAction(progress(), w)).toEqual({ kind: 'abort', reason: 'PrimaryReturned' });
  });

  it('abandons the promotion when the chosen replica is gone, so a new one is chosen', () => {
    const w = world(health(down(p0, master(), 0), down(p1, replicaOf(p0), 0), up(p2, replicaOf(p0))));
    expect(nextPromotionAction(progress(), w).kind).toBe('abort');
  });

  it('repoints every other reachable node, the returned old primary included, at the new primary', () => {
    const w = world(health(up(p0, master({ keys: 0 })), up(p1, master()), up(p2, replicaOf(p0))));
    expect(nextPromotionAction(progress({ step: 'Promoted' }), w)).toEqual({ kind: 'replicaof', pod: 'redis-0', primary: 'redis-1' });
  });

  it('moves the role label once every replica follows the new primary', () => {
    const w = world(health(down(p0, master(), 0), up(p1, master()), up(p2, replicaOf(p1))));
    expect(nextPromotionAction(progress({ step: 'Promoted' }), w)).toEqual({ kind: 'advance', step: 'ReplicasRepointed' });
    expect(nextPromotionAction(progress({ step: 'ReplicasRepointed' }), w)).toEqual({ kind: 'move-label', to: 'redis-1' });
  });

  it('publishes the new primary and epoch, then completes', () => {
    const moved = world(health(up(pod('redis-1', labelled), master())), { primary: 'redis-0', epoch: 1 });
    expect(nextPromotionAction(progress({ step: 'LabelMoved' }), moved)).toEqual({ kind: 'publish', primary: 'redis-1', epoch: 2 });
    const published = world(moved.health, { primary: 'redis-1', epoch: 2 });
    expect(nextPromotionAction(progress({ step: 'LabelMoved' }), published)).toEqual({ kind: 'advance', step: 'Published' });
    expect(nextPromotionAction(progress({ step: 'Published' }), published)).toEqual({ kind: 'complete' });
  });
});
