/**
 * The failover controller inside the operator, against a real kube-apiserver and real
 * redis-server processes. The test plays the kubelet: it creates the Redis Pod objects
 * and reports their IP, port and readiness.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../testkit/control-plane/control-plane.js';
import { waitFor } from '../../testkit/process.js';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { HttpKubeClient } from '../../lib/2-kube/client.js';
import { resources, type KubeObject } from '../../lib/2-kube/resources.js';
import { Manager } from '../manager.js';
import { POLICY_KEY, renderedConfigMapName } from '../../lib/3-policy/names.js';
import type { CachePolicyObject, ConfigMapObject } from '../../lib/3-policy/objects.js';
import { RedisFailoverController } from './controller.js';
import { RECORD_KEY, recordConfigMapName } from './record-store.js';
import { redisPod, startFailoverManager, startKubeWorld } from './kube-world.test-helpers.js';
import { role } from './test-harness.test-helpers.js';

const NS = 'hg-failover';
let cp: ControlPlane;
let api: HttpKubeClient;
let manager: Manager;
let failover: RedisFailoverController;
const servers: RedisServer[] = [];
const registry = new Registry();

const podTarget = (name: string) => ({ res: resources.pods, namespace: NS, name });
const policy = (name: string) => ({
  apiVersion: 'herdguard.io/v1alpha1',
  kind: 'CachePolicy',
  metadata: { name, namespace: NS },
  spec: {
    targetRef: { kind: 'Deployment', name: 'web' },
    keyspaces: [{ prefix: `${name}:`, ttl: '60s' }],
    redis: { statefulSetRef: { name: 'redis' }, failover: { enabled: true, detectAfter: '1500ms', checkInterval: '250ms' } },
  },
});

beforeAll(async () => {
  ({ cp, api } = await startKubeWorld(NS, 2, 'herdguard-failover-test'));
  const primary = await startRedis({ name: 'redis-0' });
  const replica = await startRedis({ name: 'redis-1', replicaOf: { host: primary.host, port: primary.port } });
  servers.push(primary, replica);
  await redisPod(api, NS, 'redis-0', primary);
  await redisPod(api, NS, 'redis-1', replica);
  ({ manager, failover } = await startFailoverManager(api, NS, registry));
  await api.create({ res: resources.cachePolicies, namespace: NS }, policy('profile'));
  await api.create({ res: resources.cachePolicies, namespace: NS }, policy('quotes'));
});

afterAll(async () => {
  await manager?.stop();
  await failover?.close();
  await Promise.all(servers.map((s) => s.stop(1000)));
  api?.close();
  await cp?.stop();
});

const status = async (name: string) =>
  (await api.get<CachePolicyObject>({ res: resources.cachePolicies, namespace: NS, name })).status?.redis;
const labelOf = async (pod: string) => (await api.get<KubeObject>(podTarget(pod))).metadata.labels?.['role'];
const renderedRedis = async (p: string) => {
  const cm = await api.get<ConfigMapObject>({ res: resources.configMaps, namespace: NS, name: renderedConfigMapName(p) });
  return (JSON.parse(cm.data?.[POLICY_KEY] ?? '{}') as { redis?: { primary: string } }).redis;
};

describe('redis failover controller on a real API server', () => {
  it('adopts the running primary for both policies with one brain, labels it and publishes it', async () => {
    await waitFor('redis-0 published', async () => (await status('profile'))?.primary === 'redis-0', 30_000);
    expect(await labelOf('redis-0')).toBe('primary');
    expect((await status('quotes'))?.primary).toBe('redis-0');
    expect(failover.brainFor('hg-failover/redis')).toBeDefined();
    expect(failover.allKeys()).toEqual(['hg-failover/redis']);
    // The alerts use increase(): every bounded series exists at 0 before the first promotion.
    const text = await registry.metrics();
    expect(text).toMatch(/herdguard_redis_promotions_total\{redis="redis",reason="Planned"\} 0/);
    expect(text).toMatch(/herdguard_redis_promotion_failures_total\{redis="redis",step="Promoted"\} 0/);
  });

  it('promotes the replica after kill -9 of the primary: status, label, rendered policy and metrics follow', async () => {
    await servers[0]!.kill();
    await api.mergePatch({ ...podTarget('redis-0'), subresource: 'status' }, { status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    await waitFor('redis-1 promoted', async () => (await status('profile'))?.promotions === 1, 30_000);
    expect(await role(servers[1]!)).toBe('master');
    expect(await labelOf('redis-1')).toBe('primary');
    expect(await labelOf('redis-0')).toBeUndefined();
    // Services get an address they can dial, not the pod name.
    const moved = `${servers[1]!.host}:${servers[1]!.port}`;
    await waitFor('rendered primary moved', async () => (await renderedRedis('profile'))?.primary === moved, 30_000);
    const text = await registry.metrics();
    expect(text).toMatch(/herdguard_redis_promotions_total\{redis="redis",reason="PrimaryLost"\} 1/);
    expect(text).toMatch(/herdguard_redis_failover_duration_seconds_count\{redis="redis",reason="PrimaryLost"\} 1/);
    expect(failover.brainFor('hg-failover/redis')?.maxPrimariesObserved).toBe(1);
    // One writer, one home: the record is in the StatefulSet's ConfigMap; the policies' status only mirrors it.
    const cm = await api.get<ConfigMapObject>({ res: resources.configMaps, namespace: NS, name: recordConfigMapName('redis') });
    expect(JSON.parse(cm.data?.[RECORD_KEY] ?? '{}')).toMatchObject({ primary: 'redis-1', epoch: 2, promotions: 1, promotion: null });
    for (const p of ['profile', 'quotes']) {
      const mirror = ((await status(p))?.failover as { record?: { primary: string; epoch: number; promotion?: unknown } }).record;
      expect(mirror).toMatchObject({ primary: 'redis-1', epoch: 2 });
      expect(mirror?.promotion ?? null).toBeNull();
    }
  });
});
