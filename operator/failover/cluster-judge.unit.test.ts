import { describe, expect, it } from 'vitest';
import { Reason } from '../reasons.js';
import { parseClusterInfo, type ClusterInfo } from './cluster-info.js';
import { coldPrimaries, judgeCluster, remember, type ClusterProbe, type Seen } from './cluster-judge.js';
import { master, pod, replicaOf } from './fixtures.test-helpers.js';
import type { ReplicationInfo } from './replication-info.js';

const pods = [0, 1, 2, 3, 4, 5].map((i) => pod(`redis-${i}`));
const healthy: ClusterInfo = { state: 'ok', slotsAssigned: 16384, slotsOk: 16384, slotsPfail: 0, slotsFail: 0, knownNodes: 6, size: 3 };

const answer = (node: ReplicationInfo, cluster: Partial<ClusterInfo> = {}): ClusterProbe => ({ ok: true, answer: { cluster: { ...healthy, ...cluster }, node } });
const silent: ClusterProbe = { ok: false, error: 'ECONNREFUSED' };
/** redis-0..2 primaries, redis-3..5 their replicas, every node answering as `over` says. */
const round = (over: Record<number, ClusterProbe> = {}) =>
  new Map(pods.map((p, i) => [p.name, over[i] ?? answer(i < 3 ? master({ runId: `run-${i}` }) : replicaOf(pods[i - 3]!))]));

describe('parseClusterInfo', () => {
  it('reads the CLUSTER INFO reply of a healthy node', () => {
    const text = 'cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:6\r\ncluster_size:3\r\ncluster_current_epoch:6\r\n';
    expect(parseClusterInfo(text)).toEqual(healthy);
  });

  it('reads a missing or odd field as 0 and any state but ok as fail, never NaN', () => {
    expect(parseClusterInfo('cluster_state:weird\r\ncluster_slots_ok:-3\r\ncluster_size:x')).toEqual({
      state: 'fail', slotsAssigned: 0, slotsOk: 0, slotsPfail: 0, slotsFail: 0, knownNodes: 0, size: 0,
    });
  });
});

describe('judgeCluster', () => {
  const cases: Array<{ name: string; probes: Map<string, ClusterProbe>; reason: string; message: RegExp }> = [
    { name: 'every node answering ok with all slots served is ClusterOk', probes: round(), reason: Reason.ClusterOk, message: /^3 primaries serve all 16384 slots; all 6 nodes answer$/ },
    {
      name: 'a node that does not answer makes it ClusterDegraded, naming the node',
      probes: round({ 1: silent }),
      reason: Reason.ClusterDegraded,
      message: /1 of 6 nodes do not answer \(redis-1\)/,
    },
    {
      name: 'slots flagged PFAIL by the healthiest view make it ClusterDegraded',
      probes: round({ 0: answer(master(), { slotsOk: 10924, slotsPfail: 5460 }), 2: answer(master(), { slotsOk: 10924, slotsPfail: 5460 }) }),
      reason: Reason.ClusterDegraded,
      message: /5460 slots PFAIL/,
    },
    {
      name: 'a node cut off from the majority (cluster_state:fail) makes it ClusterDegraded while the others serve',
      probes: round({ 4: answer(replicaOf(pods[1]!), { state: 'fail' }) }),
      reason: Reason.ClusterDegraded,
      message: /redis-4 report cluster_state:fail/,
    },
    { name: 'no node answering is ClusterDown', probes: new Map(pods.map((p) => [p.name, silent])), reason: Reason.ClusterDown, message: /^none of the 6 nodes answers$/ },
    {
      name: 'every answering node reporting cluster_state:fail is ClusterDown',
      probes: new Map(pods.slice(0, 2).map((p) => [p.name, answer(master(), { state: 'fail', slotsFail: 5461, slotsOk: 10923 })])),
      reason: Reason.ClusterDown,
      message: /^no node reports cluster_state:ok \(2 of 6 answer\)$/,
    },
  ];
  it.each(cases)('$name', ({ probes, reason, message }) => {
    const s = judgeCluster(pods, probes);
    expect(s.reason).toBe(reason);
    expect(s.message).toMatch(message);
  });

  it('reports the counters of the healthiest view and the pods answering as primaries', () => {
    const s = judgeCluster(pods, round({ 3: answer(master({ runId: 'promoted' })), 0: silent }));
    expect(s).toMatchObject({ state: 'ok', slotsOk: 16384, size: 3, knownNodes: 6, nodes: 6, answering: 5, primaries: ['redis-1', 'redis-2', 'redis-3'] });
  });

  it('calls a StatefulSet without pods ClusterDown', () => {
    expect(judgeCluster([], new Map()).reason).toBe(Reason.ClusterDown);
  });
});

describe('coldPrimaries', () => {
  const seenWith = (keys: number): Seen => remember(new Map(), pods, round({ 0: answer(master({ runId: 'run-0', keys })) }));

  it('finds a primary that came back from a restart (new run id) with its keys gone', () => {
    expect(coldPrimaries(seenWith(5000), round({ 0: answer(master({ runId: 'run-0b', keys: 0 })) }))).toEqual([{ pod: 'redis-0', before: 5000 }]);
  });

  it.each([
    ['the same process lost keys (a deliberate FLUSHALL or evictions, not a lost shard)', answer(master({ runId: 'run-0', keys: 0 }))],
    ['the restarted node came back as a replica (the cluster failed over; it resyncs)', answer(replicaOf(pods[3]!, { runId: 'run-0b', keys: 0 }))],
    ['the restarted node kept most of its keys', answer(master({ runId: 'run-0b', keys: 4000 }))],
  ])('does not call it cold when %s', (_name, now) => {
    expect(coldPrimaries(seenWith(5000), round({ 0: now }))).toEqual([]);
  });

  it('does not call an empty Redis that was quiet before cold', () => {
    expect(coldPrimaries(seenWith(10), round({ 0: answer(master({ runId: 'run-0b', keys: 0 })) }))).toEqual([]);
  });

  it('remembers the last answer of a node while it does not answer, so its return is compared with it', () => {
    const seen = remember(seenWith(5000), pods, round({ 0: silent }));
    expect(seen.get('redis-0')).toEqual({ runId: 'run-0', role: 'master', keys: 5000 });
    expect(coldPrimaries(seen, round({ 0: answer(master({ runId: 'run-0b', keys: 0 })) }))).toHaveLength(1);
  });
});
