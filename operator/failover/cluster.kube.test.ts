/**
 * A CachePolicy with `spec.redis.mode: cluster` inside the operator, against a real
 * kube-apiserver and a real Redis Cluster (3 primaries, 3 replicas). As in
 * controller.kube.test.ts the test plays the kubelet: one Pod object per cluster node,
 * carrying the node's address and port (REDIS_PORT_ANNOTATION) and its readiness.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../testkit/control-plane/control-plane.js';
import { waitFor } from '../../testkit/process.js';
import { startRedisCluster, type RedisClusterServer } from '../../testkit/redis-cluster.js';
import type { RedisServer } from '../../testkit/redis.js';
import { HttpKubeClient } from '../../lib/2-kube/client.js';
import { isNotFound } from '../../lib/2-kube/errors.js';
import { resources, type KubeObject } from '../../lib/2-kube/resources.js';
import { POLICY_KEY, renderedConfigMapName } from '../../lib/3-policy/names.js';
import type { CachePolicyObject, ConfigMapObject } from '../../lib/3-policy/objects.js';
import { Manager } from '../manager.js';
import { ConditionType, Reason } from '../reasons.js';
import type { ClusterStatus } from './cluster-judge.js';
import { RedisFailoverController } from './controller.js';
import { ROLE_LABEL } from './kube-seams.js';
import { recordConfigMapName } from './record-store.js';
import { redisPod, startFailoverManager, startKubeWorld } from './kube-world.test-helpers.js';
import { withClient } from './test-harness.test-helpers.js';

const NS = 'hg-cluster';
const KEY = `${NS}/redis`;
let cp: ControlPlane;
let api: HttpKubeClient;
let manager: Manager;
let failover: RedisFailoverController;
let cluster: RedisClusterServer;
const registry = new Registry();

const podName = (i: number) => `redis-${i}`;
const podTarget = (name: string) => ({ res: resources.pods, namespace: NS, name });

const clusterPod = (name: string, s: RedisServer) => redisPod(api, NS, name, s);

/** kill -9 of a node, and its pod reported not ready, as the kubelet would. */
async function kill(name: string) {
  await serverOf(name).kill();
  await api.mergePatch({ ...podTarget(name), subresource: 'status' }, { status: { conditions: [{ type: 'Ready', status: 'False' }] } });
}

const serverOf = (name: string): RedisServer => cluster.nodes[Number(name.slice('redis-'.length))]!;

beforeAll(async () => {
  cluster = await startRedisCluster();
  ({ cp, api } = await startKubeWorld(NS, cluster.nodes.length, 'herdguard-cluster-test'));
  // A target with no replicas: PolicyApplied is True (NoReplicas), so Degraded speaks for the Redis alone.
  await api.create({ res: resources.deployments, namespace: NS }, {
    metadata: { name: 'web' },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web' }] } },
    },
  });
  for (const [i, node] of cluster.nodes.entries()) await clusterPod(podName(i), node);
  ({ manager, failover } = await startFailoverManager(api, NS, registry));
  await api.create({ res: resources.cachePolicies, namespace: NS }, {
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'CachePolicy',
    metadata: { name: 'profile', namespace: NS },
    spec: {
      targetRef: { kind: 'Deployment', name: 'web' },
      keyspaces: [{ prefix: 'profile:', ttl: '60s' }],
      // failover is ignored on a cluster but for its checkInterval: how often the watch probes.
      redis: { mode: 'cluster', statefulSetRef: { name: 'redis' }, failover: { enabled: true, checkInterval: '250ms' } },
    },
  });
}, 300_000);

afterAll(async () => {
  await manager?.stop();
  await failover?.close();
  await cluster?.stop();
  api?.close();
  await cp?.stop();
});

const policy = () => api.get<CachePolicyObject>({ res: resources.cachePolicies, namespace: NS, name: 'profile' });
const clusterStatus = async () => (await policy()).status?.redis?.cluster as ClusterStatus | undefined;
const condition = async (type: string) => (await policy()).status?.conditions?.find((c) => c.type === type);
const untilReason = (reason: string) =>
  waitFor(`status.redis.cluster.reason ${reason}`, async () => (await clusterStatus())?.reason === reason, 60_000);
const untilCondition = (type: string, status: string, reason: string) =>
  waitFor(`${type}=${status} (${reason})`, async () => {
    const c = await condition(type);
    return c?.status === status && c.reason === reason;
  }, 30_000);
const stateGauge = async (reason: string) =>
  (await registry.metrics()).match(new RegExp(`herdguard_redis_cluster_state\\{redis="redis",reason="${reason}"\\} (\\d+)`))?.[1];

/** Role changes any surviving node was sent: none may come from the operator. */
async function roleCommands(): Promise<string[]> {
  const alive = cluster.nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
  const stats = await Promise.all(alive.map((n) => withClient(n, (c) => c.call('INFO', 'commandstats') as Promise<string>)));
  return stats.flatMap((s) => s.match(/cmdstat_(replicaof|slaveof|failover|cluster\|failover)\b/g) ?? []);
}

describe('a CachePolicy with spec.redis.mode cluster on a real API server and a real Redis Cluster', () => {
  it('gets a cluster watch and no failover brain: ClusterOk in status.redis.cluster, RedisAvailable and the gauge', async () => {
    await untilReason(Reason.ClusterOk);
    expect(failover.watchFor(KEY)).toBeDefined();
    expect(failover.brainFor(KEY)).toBeUndefined();
    expect(await clusterStatus()).toMatchObject({ state: 'ok', slotsOk: 16384, nodes: 6, answering: 6, size: 3 });
    expect((await clusterStatus())?.primaries).toHaveLength(3);
    await untilCondition(ConditionType.RedisAvailable, 'True', Reason.ClusterOk);
    await untilCondition(ConditionType.Degraded, 'False', Reason.AsExpected);
    expect(await stateGauge(Reason.ClusterOk)).toBe('1');
    expect(await stateGauge(Reason.ClusterDown)).toBe('0');
    // Nothing a brain would write: no published primary, no promotion record, no role label, no promotion counters.
    expect((await policy()).status?.redis?.primary).toBeUndefined();
    await expect(api.get({ res: resources.configMaps, namespace: NS, name: recordConfigMapName('redis') })).rejects.toSatisfy(isNotFound);
    const pods = await Promise.all(cluster.nodes.map((_, i) => api.get<KubeObject>(podTarget(podName(i)))));
    expect(pods.map((p) => p.metadata.labels?.[ROLE_LABEL])).toEqual(pods.map(() => undefined));
    expect(await registry.metrics()).not.toContain('herdguard_redis_promotions_total{redis="redis"');
    // The services get a cluster rendering: mode cluster, epoch 0, never a primary to dial.
    const cm = await api.get<ConfigMapObject>({ res: resources.configMaps, namespace: NS, name: renderedConfigMapName('profile') });
    expect((JSON.parse(cm.data?.[POLICY_KEY] ?? '{}') as { redis?: unknown }).redis).toEqual({ mode: 'cluster', epoch: 0 });
  });

  it('reports kill -9 of a shard primary as ClusterDegraded (RedisAvailable True, Degraded True) while the cluster fails over by itself', async () => {
    const victim = (await clusterStatus())!.primaries[0]!;
    await kill(victim);
    await untilReason(Reason.ClusterDegraded);
    await untilCondition(ConditionType.RedisAvailable, 'True', Reason.ClusterDegraded);
    await untilCondition(ConditionType.Degraded, 'True', Reason.ClusterDegraded);
    expect((await clusterStatus())?.message).toContain(`(${victim})`);
    // Redis Cluster promotes the victim's replica after cluster-node-timeout; the watch only reports it.
    await waitFor('the cluster promoted a replica of its own', async () => {
      const s = await clusterStatus();
      return s?.primaries.length === 3 && !s.primaries.includes(victim) && s.slotsOk === 16384;
    }, 60_000);
    expect(await clusterStatus()).toMatchObject({ reason: Reason.ClusterDegraded, state: 'ok', answering: 5 });
    expect(await stateGauge(Reason.ClusterDegraded)).toBe('1');
    expect(await stateGauge(Reason.ClusterOk)).toBe('0');
    expect(await roleCommands()).toEqual([]);
    expect(failover.brainFor(KEY)).toBeUndefined();
  });

  it('reports a cluster that lost the majority of its primaries as ClusterDown (RedisAvailable False), still without promoting', async () => {
    const [a, b] = (await clusterStatus())!.primaries;
    await kill(a!);
    await kill(b!);
    // The one primary left cannot reach a majority: every node that answers says cluster_state:fail.
    await untilReason(Reason.ClusterDown);
    await untilCondition(ConditionType.RedisAvailable, 'False', Reason.ClusterDown);
    await untilCondition(ConditionType.Degraded, 'True', Reason.ClusterDown);
    expect(await clusterStatus()).toMatchObject({ state: 'fail', answering: 3 });
    expect(await stateGauge(Reason.ClusterDown)).toBe('1');
    expect(await stateGauge(Reason.ClusterDegraded)).toBe('0');
    expect(await roleCommands()).toEqual([]);
    expect((await policy()).status?.redis?.primary).toBeUndefined();
  });

  it('drops the watch and its gauge series when the policy is deleted, so RedisClusterDown does not stay on a Redis nobody watches', async () => {
    await api.delete({ res: resources.cachePolicies, namespace: NS, name: 'profile' });
    await waitFor('the watch is gone', () => Promise.resolve(failover.watchFor(KEY) === undefined), 30_000);
    expect(await registry.metrics()).not.toContain('herdguard_redis_cluster_state{redis="redis"');
  });
});
