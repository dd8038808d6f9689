import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisClusterServer } from '../../testkit/redis-cluster.js';
import { Reason } from '../reasons.js';
import { createClusterProber, type ClusterProber } from './cluster-probe.js';
import { ClusterWatch } from './cluster-watch.js';
import { MemoryClusterSeams, clusterPod } from './cluster-watch.test-helpers.js';
import { withClient } from './test-harness.test-helpers.js';

let cluster: RedisClusterServer;
let prober: ClusterProber;

beforeAll(async () => {
  cluster = await startRedisCluster();
  prober = createClusterProber({ timeoutMs: 200 });
}, 90_000);

afterAll(async () => {
  await prober?.close();
  await cluster?.stop();
});

const pods = () => cluster.nodes.map((n, i) => clusterPod(`redis-${i}`, n.host, n.port));

function watchOf(seams: MemoryClusterSeams): ClusterWatch {
  return new ClusterWatch({
    config: { redis: 'redis', warmup: { onColdRedis: true, topKeys: 100, ratePerSecond: 300 }, instances: 3 },
    prober,
    seams,
    clock: { now: () => Date.now() },
    newId: () => 'w-1',
  });
}

describe('the cluster watch against a real Redis Cluster (3 primaries, 3 replicas)', () => {
  it('reads CLUSTER INFO and the roles of every node: ClusterOk, three primaries, every slot served', async () => {
    const seams = new MemoryClusterSeams(pods());
    const status = await watchOf(seams).tick();
    expect(status).toMatchObject({
      reason: Reason.ClusterOk,
      state: 'ok',
      slotsAssigned: 16384,
      slotsOk: 16384,
      slotsPfail: 0,
      slotsFail: 0,
      knownNodes: 6,
      size: 3,
      nodes: 6,
      answering: 6,
    });
    expect(status.primaries).toHaveLength(3);
    expect(seams.reports).toHaveLength(1);
  });

  it('reports a killed primary as ClusterDegraded and follows the cluster failing over by itself, never promoting', async () => {
    const seams = new MemoryClusterSeams(pods());
    const watch = watchOf(seams);
    const before = await watch.tick();
    const victim = pods().find((p) => p.name === before.primaries[0])!;
    const server = cluster.nodes.find((n) => n.port === victim.port)!;
    await server.kill();
    const degraded = await watch.tick();
    expect(degraded.reason).toBe(Reason.ClusterDegraded);
    expect(degraded.message).toContain(`1 of 6 nodes do not answer (${victim.name})`);
    // Redis Cluster promotes the victim's replica after cluster-node-timeout; the watch only sees it happen.
    let after = degraded;
    for (let i = 0; i < 100 && !(after.primaries.length === 3 && after.slotsOk === 16384 && after.slotsFail === 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await watch.tick();
    }
    expect(after.primaries).toHaveLength(3);
    expect(after.primaries).not.toContain(victim.name);
    expect(after).toMatchObject({ reason: Reason.ClusterDegraded, state: 'ok', answering: 5 });
    expect(seams.warmups).toEqual([]);
    expect(seams.events).toEqual([]);
    // Nobody sent a role change to any surviving node: the promotion was the cluster's own.
    for (const n of cluster.nodes.filter((x) => x !== server)) {
      const stats = await withClient(n, (c) => c.call('INFO', 'commandstats') as Promise<string>);
      expect(stats).not.toMatch(/cmdstat_(replicaof|slaveof|failover|cluster\|failover)\b/);
    }
  }, 60_000);
});
