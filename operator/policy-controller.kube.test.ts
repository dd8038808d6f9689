/**
 * The CachePolicy controller against a real kube-apiserver + etcd: it renders the ConfigMap,
 * reports status and Events, survives an apiserver restart and a forced 410, lets a deleted
 * policy go; and between two operator processes exactly one leads and the standby takes over.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../lib/1-ground/clock.js';
import { silentLogger } from '../lib/1-ground/log.js';
import { HttpKubeClient } from '../lib/2-kube/client.js';
import { resources, type KubeObject } from '../lib/2-kube/resources.js';
import { APPLIED_GENERATION_ANNOTATION, FINALIZER, LEASE_NAME, POLICY_KEY, renderedConfigMapName } from '../lib/3-policy/names.js';
import type { CachePolicyObject, ConfigMapObject } from '../lib/3-policy/objects.js';
import { ExpiringWatchClient } from '../testkit/kube/expiring-client.js';
import { freePort, startProcess, waitFor, type Managed } from '../testkit/process.js';
import { Manager } from './manager.js';
import { operatorMetrics } from './metrics.js';
import { CachePolicyController } from './policy/controller.js';
import { NS, PolicyApi, baseSpec, cmTarget, cpTarget, policyObj } from './policy-api.test-helpers.js';

let api: PolicyApi;

beforeAll(async () => {
  api = await PolicyApi.start();
});

afterAll(async () => {
  await api?.stop();
});

describe('the CachePolicy controller', () => {
  let manager: Manager;
  let chaos: ExpiringWatchClient;
  const metrics = operatorMetrics(new Registry());

  beforeAll(async () => {
    chaos = new ExpiringWatchClient(new HttpKubeClient({ kubeConfig: api.kubeConfig() }));
    manager = new Manager({ client: chaos, controllers: [new CachePolicyController()], identity: 'test', namespace: NS, leaderElection: false, clock: systemClock, logger: silentLogger, metrics });
    await manager.start();
  });
  afterAll(async () => {
    await manager?.stop();
  });

  it('renders a new policy into its ConfigMap, owned by the CachePolicy, and adds its finalizer', async () => {
    await api.admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj('web', baseSpec()));
    await api.waitRendered('web', 1);
    const cm = await api.admin.get<ConfigMapObject>(cmTarget('web'));
    const doc = JSON.parse(cm.data?.[POLICY_KEY] ?? '{}');
    expect(doc).toMatchObject({ kind: 'RenderedCachePolicy', policy: 'web', namespace: NS, generation: 1 });
    expect(doc.spec.keyspaces[0].prefix).toBe('user:');
    expect(cm.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CachePolicy', name: 'web', controller: true });
    const p = await api.admin.get<CachePolicyObject>(cpTarget('web'));
    expect(p.metadata.finalizers).toContain(FINALIZER);
  });

  it('updates the ConfigMap when the spec changes', async () => {
    const gen = await api.setTtl('web', '90s');
    await api.waitRendered('web', gen);
    const cm = await api.admin.get<ConfigMapObject>(cmTarget('web'));
    expect(JSON.parse(cm.data?.[POLICY_KEY] ?? '{}').spec.keyspaces[0].ttl).toBe('90s');
  });

  it('counts applied pods from their annotation, turns Ready, and records the transitions as Events', async () => {
    const gen = (await api.admin.get<CachePolicyObject>(cpTarget('web'))).metadata.generation ?? 0;
    await waitFor('RolloutInProgress', async () => {
      const st = (await api.admin.get<CachePolicyObject>(cpTarget('web'))).status;
      return st?.observedGeneration === gen && st.conditions?.find((c) => c.type === 'PolicyApplied')?.reason === 'RolloutInProgress';
    });
    for (const name of ['web-0', 'web-1']) {
      await api.admin.mergePatch({ res: resources.pods, namespace: NS, name }, { metadata: { annotations: { [APPLIED_GENERATION_ANNOTATION]: `web/${gen}` } } });
    }
    await waitFor('Ready', async () => {
      const st = (await api.admin.get<CachePolicyObject>(cpTarget('web'))).status;
      return st?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    });
    const st = (await api.admin.get<CachePolicyObject>(cpTarget('web'))).status!;
    expect(st.targets).toEqual({ desired: 2, applied: 2 });
    expect(st.configMap).toBe(renderedConfigMapName('web'));
    expect(st.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
    expect(st.conditions?.find((c) => c.type === 'RedisAvailable')).toMatchObject({ status: 'Unknown', reason: 'RedisNotManaged' });
    const events = await api.admin.list<KubeObject & { reason: string }>({ res: resources.events, namespace: NS }, { fieldSelector: 'involvedObject.name=web' });
    const reasons = events.items.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['PolicyRendered', 'RolloutInProgress', 'AllTargetsApplied', 'Ready']));
    const printed = await api.cp.kubectl(['get', 'cpol', 'web', '-n', NS]);
    expect(printed).toMatch(/web\s+web\s+2\s+2\s+True/);
  });

  it('keeps up across an apiserver restart without missing a change', async () => {
    await api.cp.restartApiserver();
    const gen = await api.setTtl('web', '95s');
    await api.waitRendered('web', gen);
  });

  it('relists after a forced watch expiry (410 Gone) and still sees the change made meanwhile', async () => {
    const expiredBefore = manager.informerStats().find((s) => s.informer.startsWith('cachepolicies'))!.expired;
    chaos.expireNextWatch('cachepolicies');
    manager.interruptWatches();
    const gen = await api.setTtl('web', '100s');
    await api.waitRendered('web', gen);
    expect(manager.informerStats().find((s) => s.informer.startsWith('cachepolicies'))!.expired).toBeGreaterThan(expiredBefore);
  });

  it('deletes the ConfigMap when the CachePolicy is deleted, then lets the policy go', async () => {
    await api.admin.delete(cpTarget('web'));
    await waitFor('ConfigMap and policy gone', async () => (await api.renderedGeneration('web')) === undefined && !(await api.admin.get(cpTarget('web')).then(() => true, () => false)));
  });
});

describe('leader election between two operator processes', () => {
  const LEASE_MS = 3000;
  const procs: Managed[] = [];
  const ports: number[] = [];
  const leaderOf = async (i: number) => {
    const text = await fetch(`http://127.0.0.1:${ports[i]}/metrics`).then((r) => r.text()).catch(() => '');
    return /^herdguard_operator_leader 1$/m.test(text);
  };

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('lets exactly one replica act, and the other takes over when the leader is killed', async () => {
    for (const i of [0, 1]) {
      ports[i] = await freePort();
      procs[i] = startProcess(`operator-${i}`, process.execPath, ['--import', 'tsx', 'operator/main.ts'], {
        env: { ...process.env, KUBECONFIG: api.cp.kubeconfigPath, WATCH_NAMESPACE: NS, METRICS_PORT: String(ports[i]), POD_NAME: `operator-${i}`, LEASE_DURATION_MS: String(LEASE_MS) },
      });
    }
    await waitFor('a leader', async () => (await leaderOf(0)) || (await leaderOf(1)), 60_000);
    const leader = (await leaderOf(0)) ? 0 : 1;
    const standby = 1 - leader;
    expect(await leaderOf(standby)).toBe(false);

    await procs[leader]!.kill();
    const killedAt = Date.now();
    await waitFor('the standby to lead', () => leaderOf(standby), 30_000);
    const lease = await api.admin.get<KubeObject & { spec: { holderIdentity?: string } }>({ res: resources.leases, namespace: NS, name: LEASE_NAME });
    expect(lease.spec.holderIdentity).toBe(`operator-${standby}`);
    console.info(`leader failover: standby acted ${Date.now() - killedAt} ms after the kill (lease ${LEASE_MS} ms)`);

    await api.admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj('after-failover', baseSpec()));
    await api.waitRendered('after-failover', 1);
  });
});
