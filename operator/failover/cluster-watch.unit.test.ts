import { describe, expect, it } from 'vitest';
import { Reason } from '../reasons.js';
import type { ClusterInfo } from './cluster-info.js';
import type { ClusterProbe } from './cluster-judge.js';
import type { ClusterProber } from './cluster-probe.js';
import { ClusterWatch } from './cluster-watch.js';
import { MemoryClusterSeams, clusterPod } from './cluster-watch.test-helpers.js';
import { master, replicaOf } from './fixtures.test-helpers.js';
import type { ReplicationInfo } from './replication-info.js';
import type { RedisPod } from './world.js';

const healthy: ClusterInfo = { state: 'ok', slotsAssigned: 16384, slotsOk: 16384, slotsPfail: 0, slotsFail: 0, knownNodes: 2, size: 1 };
const pods = [clusterPod('redis-0', '127.0.0.1', 7000), clusterPod('redis-1', '127.0.0.1', 7001)];

/** A prober answering from a table the test edits between ticks. */
function prober(answers: Map<string, ReplicationInfo | null>): ClusterProber {
  return {
    probe: (p: RedisPod): Promise<ClusterProbe> => {
      const node = answers.get(p.name);
      return Promise.resolve(node ? { ok: true, answer: { cluster: healthy, node } } : { ok: false, error: 'ECONNREFUSED' });
    },
    retain: () => undefined,
    close: () => Promise.resolve(),
  };
}

function watch(answers: Map<string, ReplicationInfo | null>, onColdRedis = true) {
  const seams = new MemoryClusterSeams(pods);
  const w = new ClusterWatch({
    config: { redis: 'redis', warmup: { onColdRedis, topKeys: 100, ratePerSecond: 300 }, instances: 3 },
    prober: prober(answers),
    seams,
    clock: { now: () => 1_000 },
    newId: () => 'w-1',
  });
  return { w, seams };
}

describe('the cluster watch', () => {
  it('reports the cluster once, and writes nothing while it stays the same', async () => {
    const answers = new Map<string, ReplicationInfo | null>([['redis-0', master({ keys: 500 })], ['redis-1', replicaOf(pods[0]!)]]);
    const { w, seams } = watch(answers);
    await w.tick();
    await w.tick();
    expect(seams.reports.map((r) => r.reason)).toEqual([Reason.ClusterOk]);
    answers.set('redis-1', null);
    await w.tick();
    expect(seams.reports.map((r) => r.reason)).toEqual([Reason.ClusterOk, Reason.ClusterDegraded]);
  });

  it('writes the status again in a new leadership term', async () => {
    const { w, seams } = watch(new Map([['redis-0', master()], ['redis-1', replicaOf(pods[0]!)]]));
    await w.tick();
    w.forget();
    await w.tick();
    expect(seams.reports).toHaveLength(2);
  });

  it('asks for a warmup, at the policy rate shared by the instances, when a primary restarts empty', async () => {
    const answers = new Map([['redis-0', master({ runId: 'a', keys: 5000 })], ['redis-1', replicaOf(pods[0]!)]]);
    const { w, seams } = watch(answers);
    await w.tick();
    answers.set('redis-0', master({ runId: 'b', keys: 0 }));
    await w.tick();
    expect(seams.warmups).toEqual([{ id: 'w-1', requestedAt: 1_000, ratePerSecondPerInstance: 100, topKeys: 100 }]);
    expect(seams.events).toEqual([
      { type: 'Warning', reason: 'ColdRedis', message: 'redis cluster redis: redis-0 (5000 keys before) restarted empty: warmup w-1 requested' },
    ]);
    await w.tick();
    expect(seams.warmups).toHaveLength(1);
  });

  it('asks for no warmup when the policy turned warmup off', async () => {
    const answers = new Map([['redis-0', master({ runId: 'a', keys: 5000 })], ['redis-1', replicaOf(pods[0]!)]]);
    const { w, seams } = watch(answers, false);
    await w.tick();
    answers.set('redis-0', master({ runId: 'b', keys: 0 }));
    await w.tick();
    expect(seams.warmups).toEqual([]);
  });
});
