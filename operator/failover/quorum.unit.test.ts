import { describe, expect, it } from 'vitest';
import { dead, down, health, hung, labelled, linkDown, master, notReady, pod, replicaOf, restarted, silentFor, up } from './fixtures.test-helpers.js';
import { quorum, replicaBallot, type QuorumInput } from './quorum.js';
import type { Health } from './world.js';

const p0 = pod('redis-0', labelled);
const p0Dead = pod('redis-0', labelled, dead);
/** SIGSTOP: the readiness probe fails, but the same process still runs and wakes up a primary. */
const p0Stalled = pod('redis-0', labelled, notReady);
const p1 = pod('redis-1');
const p2 = pod('redis-2');
const elsewhere = pod('redis-9');

/** The operator lost redis-0 at t=0; decisions are taken at `now` (detectAfter 1.5 s, fence bound 3 s). */
const input = (h: Health, over: Partial<QuorumInput> = {}): QuorumInput => ({
  health: h,
  primary: 'redis-0',
  operatorSaysGone: true,
  primaryFenced: true,
  detectAfterMs: 1500,
  now: 1750,
  ...over,
});

describe('the promotion quorum', () => {
  it.each([
    {
      name: 'promotes after kill -9: the pod is NotReady and every replica lost its link',
      h: health(down(p0Dead, master(), 0), up(p1, linkDown(p0)), up(p2, linkDown(p0))),
      over: {},
      expected: 'gone',
    },
    {
      name: 'promotes nothing when only the operator is cut off and the replicas still hear the primary',
      h: health(down(p0, master(), 0), up(p1, replicaOf(p0)), up(p2, replicaOf(p0))),
      over: { now: 60_000 },
      expected: 'NoQuorum',
    },
    {
      name: 'promotes nothing when the operator still reaches the primary, whatever the replicas say',
      h: health(up(p0, master()), up(p1, linkDown(p0)), up(p2, linkDown(p0))),
      over: { operatorSaysGone: false },
      expected: 'NoQuorum',
    },
    {
      name: 'promotes nothing with two pods when the operator alone lost the primary',
      h: health(down(p0, master(), 0), up(p1, replicaOf(p0))),
      over: { now: 60_000 },
      expected: 'NoQuorum',
    },
    {
      name: 'promotes nothing when the replicas cannot be asked: an unknown view is not a vote for gone',
      h: health(down(p0, master(), 0), down(p1, replicaOf(p0), 0), down(p2, replicaOf(p0), 0)),
      over: { now: 60_000 },
      expected: 'NoQuorum',
    },
    {
      name: 'does not count a replica that follows another node',
      h: health(down(p0, master(), 0), up(p1, linkDown(p0)), up(p2, linkDown(elsewhere)), up(pod('redis-3'), replicaOf(elsewhere))),
      over: { now: 60_000 },
      expected: 'NoQuorum',
    },
    {
      name: 'promotes with the operator and one of two replicas agreeing',
      h: health(down(p0Dead, master(), 0), up(p1, linkDown(p0)), up(p2, replicaOf(p0))),
      over: {},
      expected: 'gone',
    },
    {
      name: 'waits for the fence bound when the primary may be alive (pod Ready) and its replicas only lost their link',
      h: health(down(p0, master(), 0), up(p1, linkDown(p0))),
      over: { now: 2999 },
      expected: 'AwaitingFence',
    },
    {
      name: 'promotes an isolated primary once the fence bound has passed since the operator lost it',
      h: health(down(p0, master(), 0), up(p1, linkDown(p0))),
      over: { now: 3000 },
      expected: 'gone',
    },
    {
      name: 'promotes at once when a replica has been silent for the fence bound itself (a stalled or cut-off primary)',
      h: health(down(p0, master(), 0), up(p1, silentFor(p0, 3))),
      over: {},
      expected: 'gone',
    },
    {
      name: 'does not count a replica silent for less than the fence bound: an idle primary pings once a second',
      h: health(down(p0, master(), 0), up(p1, silentFor(p0, 2))),
      over: { now: 60_000 },
      expected: 'NoQuorum',
    },
    {
      name: 'promotes nothing while a survivor primary that ran unfenced may still be alive',
      h: health(down(p0, master(), 0), up(p1, linkDown(p0))),
      over: { primaryFenced: false, now: 60_000 },
      expected: 'PrimaryNotFenced',
    },
    {
      name: 'promotes nothing while the primary is stalled: its port accepts connections, its replicas hear nothing, its pod is NotReady',
      h: health(hung(p0Stalled, master(), 0), up(p1, silentFor(p0, 5)), up(p2, silentFor(p0, 5))),
      over: { now: 60_000 },
      expected: 'PrimaryHung',
    },
    {
      name: 'promotes a hung primary once the kubelet restarted its container (a new process cannot wake up a primary)',
      h: health(hung(pod('redis-0', labelled, restarted), master(), 0), up(p1, linkDown(p0)), up(p2, linkDown(p0))),
      over: {},
      expected: 'gone',
    },
    {
      name: 'promotes a hung primary whose container no longer runs',
      h: health(hung(p0Dead, master(), 0), up(p1, linkDown(p0)), up(p2, linkDown(p0))),
      over: {},
      expected: 'gone',
    },
    {
      name: 'does not take NotReady for dead: a stalled survivor that ran unfenced is not promoted over',
      h: health(down(p0Stalled, master(), 0), up(p1, linkDown(p0))),
      over: { primaryFenced: false, now: 60_000 },
      expected: 'PrimaryNotFenced',
    },
    {
      name: 'waits for the fence bound over a NotReady primary whose process still runs (Ready is not a process)',
      h: health(down(p0Stalled, master(), 0), up(p1, linkDown(p0))),
      over: { now: 2999 },
      expected: 'AwaitingFence',
    },
    {
      name: 'promotes after an unfenced survivor whose pod Kubernetes reports down',
      h: health(down(p0Dead, master(), 0), up(p1, linkDown(p0))),
      over: { primaryFenced: false },
      expected: 'gone',
    },
  ])('$name', ({ h, over, expected }) => {
    const v = quorum(input(h, over));
    expect(v.kind === 'gone' ? 'gone' : v.reason).toBe(expected);
  });

  it('names every observer and why it voted, for the Event and the logs', () => {
    const v = quorum(input(health(down(p0, master(), 0), up(p1, replicaOf(p0)), up(p2, linkDown(p0)))));
    expect(v.ballots).toEqual([
      { observer: 'operator', vote: 'gone', why: 'own probe' },
      { observer: 'redis-1', vote: 'alive', why: 'link up' },
      { observer: 'redis-2', vote: 'gone', why: 'link down' },
    ]);
  });

  it('lets a replica that is itself unreachable abstain', () => {
    expect(replicaBallot(down(p1, replicaOf(p0), 0), p0, 3)).toMatchObject({ vote: 'abstain' });
  });
});
