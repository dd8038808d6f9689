/**
 * The operator against a real kube-apiserver + etcd (one control plane for this file):
 * CRD and validation, reconcile of the rendered ConfigMap, status and Events, surviving an
 * apiserver restart and a forced 410, leader failover between two operator processes, and
 * a service's kube-source applying a change.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startControlPlane, type ControlPlane } from '../testkit/control-plane/control-plane.js';
import { freePort, startProcess, waitFor, type Managed } from '../testkit/process.js';
import { silentLogger } from '../lib/1-ground/log.js';
import { KubePolicySource } from '../lib/4-cache/sources/kube-source.js';
import { validatePolicy, validatePolicySpec } from '../lib/3-policy/load.js';
import { POLICY_REFUSED_ANNOTATION } from '../lib/3-policy/refusal.js';
import type { PolicyUpdate } from '../lib/3-policy/source.js';
import { renderCrdYaml } from '../crds/generate.js';
import { HttpKubeClient } from '../lib/2-kube/client.js';
import { systemClock } from '../lib/1-ground/clock.js';
import { KubeApiError } from '../lib/2-kube/errors.js';
import { resources, type KubeObject } from '../lib/2-kube/resources.js';
import { Manager } from './manager.js';
import { operatorMetrics } from './metrics.js';
import { APPLIED_GENERATION_ANNOTATION, FINALIZER, LEASE_NAME, POLICY_KEY, renderedConfigMapName } from '../lib/3-policy/names.js';
import { CachePolicyController } from './policy/controller.js';
import type { CachePolicyObject, ConfigMapObject } from '../lib/3-policy/objects.js';
import { ExpiringWatchClient } from '../testkit/kube/expiring-client.js';
import { startLivePolicy } from '../example-app/service-kit/policy.js';

const NS = 'hg-test';
let cp: ControlPlane;
let admin: HttpKubeClient;

const baseSpec = () => ({
  targetRef: { kind: 'Deployment', name: 'web' },
  keyspaces: [{ prefix: 'user:', ttl: '60s' }],
});
const policyObj = (name: string, spec: unknown) => ({ apiVersion: 'herdguard.io/v1alpha1', kind: 'CachePolicy', metadata: { name, namespace: NS }, spec });
const cpTarget = (name: string) => ({ res: resources.cachePolicies, namespace: NS, name });
const cmTarget = (policy: string) => ({ res: resources.configMaps, namespace: NS, name: renderedConfigMapName(policy) });

async function renderedGeneration(policy: string): Promise<number | undefined> {
  try {
    const cm = await admin.get<ConfigMapObject>(cmTarget(policy));
    return (JSON.parse(cm.data?.[POLICY_KEY] ?? '{}') as { generation?: number }).generation;
  } catch {
    return undefined;
  }
}
const waitRendered = (policy: string, generation: number) =>
  waitFor(`ConfigMap of ${policy} at generation ${generation}`, async () => (await renderedGeneration(policy)) === generation, 30_000);

async function setTtl(name: string, ttl: string): Promise<number> {
  const p = await admin.mergePatch<CachePolicyObject>(cpTarget(name), { spec: { keyspaces: [{ prefix: 'user:', ttl }] } });
  return p.metadata.generation ?? 0;
}

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  return kc;
}

beforeAll(async () => {
  cp = await startControlPlane();
  admin = new HttpKubeClient({ kubeConfig: kubeConfig(), userAgent: 'herdguard-test' });
  await cp.kubectl(['apply', '-f', '-'], renderCrdYaml());
  await cp.kubectl(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/cachepolicies.herdguard.io']);
  await admin.create({ res: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' } }, { metadata: { name: NS } });
  await admin.create({ res: resources.deployments, namespace: NS }, {
    metadata: { name: 'web' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web' }] } } },
  });
  for (const name of ['web-0', 'web-1']) {
    await admin.create({ res: resources.pods, namespace: NS }, { metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web' }] } });
    await admin.mergePatch({ res: resources.pods, namespace: NS, name, subresource: 'status' }, { status: { phase: 'Running', podIP: '127.0.0.1' } });
  }
});

afterAll(async () => {
  admin?.close();
  await cp?.stop();
});

describe('the CachePolicy CRD on a real API server', () => {
  it('installs, and both samples apply cleanly', async () => {
    const dir = join(import.meta.dirname, '../crds/samples');
    for (const f of ['profile.yaml', 'market-data.yaml']) {
      const out = await cp.kubectl(['apply', '-n', NS, '--dry-run=server', '-f', join(dir, f)]);
      expect(out).toMatch(/created \(server dry run\)/);
      expect(validatePolicySpec((parse(readFileSync(join(dir, f), 'utf8')) as { spec: unknown }).spec)).toEqual([]);
    }
  });

  type Spec = { targetRef?: { kind: string }; keyspaces: Array<Record<string, unknown>>; redis?: unknown; origin?: unknown; warmup?: unknown };
  type Case = { name: string; mutate: (s: Spec) => unknown; api: string; ts: string; policyName?: string };
  /** A self-defeating case: the CEL rule and its twin say the same words. */
  const same = (name: string, mutate: Case['mutate'], message: string, policyName?: string): Case => ({
    name,
    mutate,
    api: message,
    ts: message,
    ...(policyName ? { policyName } : {}),
  });
  const ks = (s: Spec): Record<string, unknown> => s.keyspaces[0]!;
  const cases: Case[] = [
    { name: 'jitter longer than 24h', mutate: (s) => (ks(s).jitter = { max: '25h' }), api: 'jitter.max must be at most 24h', ts: 'jitter.max must be at most 24h' },
    { name: 'beta of zero', mutate: (s) => (ks(s).earlyRefresh = { beta: '0' }), api: 'earlyRefresh.beta must be > 0 and <= 10', ts: 'earlyRefresh.beta must be > 0 and <= 10' },
    { name: 'beta above 10', mutate: (s) => (ks(s).earlyRefresh = { beta: '11' }), api: 'earlyRefresh.beta must be > 0 and <= 10', ts: 'earlyRefresh.beta must be > 0 and <= 10' },
    { name: 'lease shorter than the wait', mutate: (s) => (ks(s).coalescing = { leaseTTL: '1s', waitTimeout: '2s' }), api: 'coalescing.leaseTTL must be longer than coalescing.waitTimeout', ts: 'coalescing.leaseTTL must be longer than coalescing.waitTimeout' },
    { name: 'distributed without local coalescing', mutate: (s) => (ks(s).coalescing = { local: false, distributed: true }), api: 'coalescing.distributed requires coalescing.local', ts: 'coalescing.distributed requires coalescing.local' },
    { name: 'duplicate keyspace prefixes', mutate: (s) => s.keyspaces.push({ prefix: 'user:', ttl: '5s' }), api: 'keyspaces[].prefix must be unique within a policy', ts: 'keyspaces[].prefix must be unique within a policy' },
    { name: 'too many hot-key replicas', mutate: (s) => (ks(s).hotKeys = { replicas: 65 }), api: 'should be less than or equal to 64', ts: 'must be <= 64' },
    { name: 'ttl under a second', mutate: (s) => (ks(s).ttl = '500ms'), api: 'ttl must be between 1s and 8760h', ts: 'ttl must be between 1s and 8760h' },
    { name: 'L1 outliving the keyspace ttl', mutate: (s) => (ks(s).l1 = { ttl: '2m' }), api: 'l1.ttl (default 2s) must not exceed ttl', ts: 'l1.ttl (default 2s) must not exceed ttl' },
    { name: 'hot-key window over an hour', mutate: (s) => (ks(s).hotKeys = { window: '2h' }), api: 'hotKeys.window must be between 1s and 1h', ts: 'hotKeys.window must be between 1s and 1h' },
    { name: 'failover detection under 500ms', mutate: (s) => (s.redis = { failover: { detectAfter: '100ms', checkInterval: '50ms' } }), api: 'failover.detectAfter must be between 500ms and 5m', ts: 'failover.detectAfter must be between 500ms and 5m' },
    { name: 'health checks slower than detection', mutate: (s) => (s.redis = { failover: { detectAfter: '1s', checkInterval: '2s' } }), api: 'failover.checkInterval must be shorter than failover.detectAfter', ts: 'failover.checkInterval must be shorter than failover.detectAfter' },
    { name: 'a ttl that is not a duration', mutate: (s) => (ks(s).ttl = 'soon'), api: 'spec.keyspaces[0].ttl in body should match', ts: 'spec.keyspaces[0].ttl: "soon" is not accepted; expected a duration' },
    { name: 'an unsupported target kind', mutate: (s) => (s.targetRef!.kind = 'DaemonSet'), api: 'Unsupported value: "DaemonSet"', ts: 'expected one of Deployment, StatefulSet' },
    { name: 'no keyspaces', mutate: (s) => (s.keyspaces = []), api: 'should have at least 1 items', ts: 'must NOT have fewer than 1 items' },
    { name: 'a prefix with a space', mutate: (s) => (ks(s).prefix = 'user 1'), api: 'spec.keyspaces[0].prefix in body should match', ts: 'spec.keyspaces[0].prefix: "user 1" is not accepted' },
    { name: 'no targetRef', mutate: (s) => delete s.targetRef, api: 'spec.targetRef: Required value', ts: 'missing required field "targetRef"' },
    // Self-defeating policies (issue 12): each refused with a message naming the fields and the relation.
    same('an origin timeout of 0s', (s) => (ks(s).originTimeout = '0s'), 'originTimeout must be between 10ms and 5m'),
    same('an origin timeout of 720h, past the Node timer', (s) => (ks(s).originTimeout = '720h'), 'originTimeout must be between 10ms and 5m'),
    same(
      'a lease no longer than the origin timeout with distributed coalescing',
      (s) => Object.assign(ks(s), { originTimeout: '5s', coalescing: { leaseTTL: '5s', waitTimeout: '1s' } }),
      'coalescing.leaseTTL (default 5s) must be longer than originTimeout when coalescing.distributed is true',
    ),
    same(
      'the default lease shorter than the origin timeout, with no coalescing block',
      (s) => (ks(s).originTimeout = '30s'),
      'coalescing.leaseTTL (default 5s) must be longer than originTimeout',
    ),
    same('health checks every 0s', (s) => (s.redis = { failover: { checkInterval: '0s' } }), 'failover.checkInterval must be at least 50ms'),
    same('a ttl over a year', (s) => (ks(s).ttl = '8761h'), 'ttl must be between 1s and 8760h'),
    same('serving stale while revalidating for over 30 days', (s) => (ks(s).staleWhileRevalidate = '721h'), 'staleWhileRevalidate must be at most 720h'),
    same('serving stale on error for over 30 days', (s) => (ks(s).staleIfError = '720h0.000001ms'), 'staleIfError must be at most 720h'),
    same('caching not-found for over 30 days', (s) => (ks(s).negativeTTL = '999999h'), 'negativeTTL must be at most 720h'),
    same('a name longer than 63 characters', () => undefined, 'metadata.name must be at most 63 characters', `p${'x'.repeat(63)}`),
    same('the default L1 ttl outliving a 1s ttl', (s) => (ks(s).ttl = '1s'), 'l1.ttl (default 2s) must not exceed ttl unless l1.maxEntries is 0'),
    same('waiters that never wait', (s) => (ks(s).coalescing = { waitTimeout: '0s' }), 'coalescing.waitTimeout must be at least 10ms'),
    same('a lease held for over 10 minutes', (s) => (ks(s).coalescing = { leaseTTL: '11m' }), 'coalescing.leaseTTL must be at most 10m'),
    same('a circuit breaker that never rests', (s) => (s.origin = { resetAfter: '0s' }), 'origin.resetAfter must be between 100ms and 10m'),
    same('warmup batches larger than its rate', (s) => (s.warmup = { ratePerSecond: 10 }), 'warmup.batchSize must not exceed warmup.ratePerSecond'),
    {
      name: 'a duration too large for int64 nanoseconds',
      mutate: (s) => (ks(s).staleIfError = '9999999h'),
      api: 'spec.keyspaces[0].staleIfError in body should match',
      ts: 'spec.keyspaces[0].staleIfError: "9999999h" is not accepted; expected a duration',
    },
  ];

  it.each(cases)('refuses $name, in the API server and in the services, with the same rule', async (c) => {
    const spec: Spec = baseSpec();
    c.mutate(spec);
    const name = c.policyName ?? 'invalid';
    const err = await admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj(name, spec)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(422);
    expect((err as KubeApiError).message).toContain(c.api);
    expect(validatePolicy({ metadata: { name }, spec }).join('\n')).toContain(c.ts);
  });
});

describe('the CachePolicy controller', () => {
  let manager: Manager;
  let chaos: ExpiringWatchClient;
  const metrics = operatorMetrics(new Registry());

  beforeAll(async () => {
    chaos = new ExpiringWatchClient(new HttpKubeClient({ kubeConfig: kubeConfig() }));
    manager = new Manager({ client: chaos, controllers: [new CachePolicyController()], identity: 'test', namespace: NS, leaderElection: false, clock: systemClock, logger: silentLogger, metrics });
    await manager.start();
  });
  afterAll(async () => {
    await manager?.stop();
  });

  it('renders a new policy into its ConfigMap, owned by the CachePolicy, and adds its finalizer', async () => {
    await admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj('web', baseSpec()));
    await waitRendered('web', 1);
    const cm = await admin.get<ConfigMapObject>(cmTarget('web'));
    const doc = JSON.parse(cm.data?.[POLICY_KEY] ?? '{}');
    expect(doc).toMatchObject({ kind: 'RenderedCachePolicy', policy: 'web', namespace: NS, generation: 1 });
    expect(doc.spec.keyspaces[0].prefix).toBe('user:');
    expect(cm.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CachePolicy', name: 'web', controller: true });
    const p = await admin.get<CachePolicyObject>(cpTarget('web'));
    expect(p.metadata.finalizers).toContain(FINALIZER);
  });

  it('updates the ConfigMap when the spec changes', async () => {
    const gen = await setTtl('web', '90s');
    await waitRendered('web', gen);
    const cm = await admin.get<ConfigMapObject>(cmTarget('web'));
    expect(JSON.parse(cm.data?.[POLICY_KEY] ?? '{}').spec.keyspaces[0].ttl).toBe('90s');
  });

  it('counts applied pods from their annotation, turns Ready, and records the transitions as Events', async () => {
    const gen = (await admin.get<CachePolicyObject>(cpTarget('web'))).metadata.generation ?? 0;
    await waitFor('RolloutInProgress', async () => {
      const st = (await admin.get<CachePolicyObject>(cpTarget('web'))).status;
      return st?.observedGeneration === gen && st.conditions?.find((c) => c.type === 'PolicyApplied')?.reason === 'RolloutInProgress';
    });
    for (const name of ['web-0', 'web-1']) {
      await admin.mergePatch({ res: resources.pods, namespace: NS, name }, { metadata: { annotations: { [APPLIED_GENERATION_ANNOTATION]: `web/${gen}` } } });
    }
    await waitFor('Ready', async () => {
      const st = (await admin.get<CachePolicyObject>(cpTarget('web'))).status;
      return st?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    });
    const st = (await admin.get<CachePolicyObject>(cpTarget('web'))).status!;
    expect(st.targets).toEqual({ desired: 2, applied: 2 });
    expect(st.configMap).toBe(renderedConfigMapName('web'));
    expect(st.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
    expect(st.conditions?.find((c) => c.type === 'RedisAvailable')).toMatchObject({ status: 'Unknown', reason: 'RedisNotManaged' });
    const events = await admin.list<KubeObject & { reason: string }>({ res: resources.events, namespace: NS }, { fieldSelector: 'involvedObject.name=web' });
    const reasons = events.items.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['PolicyRendered', 'RolloutInProgress', 'AllTargetsApplied', 'Ready']));
    const printed = await cp.kubectl(['get', 'cpol', 'web', '-n', NS]);
    expect(printed).toMatch(/web\s+web\s+2\s+2\s+True/);
  });

  it('keeps up across an apiserver restart without missing a change', async () => {
    await cp.restartApiserver();
    const gen = await setTtl('web', '95s');
    await waitRendered('web', gen);
  });

  it('relists after a forced watch expiry (410 Gone) and still sees the change made meanwhile', async () => {
    const expiredBefore = manager.informerStats().find((s) => s.informer.startsWith('cachepolicies'))!.expired;
    chaos.expireNextWatch('cachepolicies');
    manager.interruptWatches();
    const gen = await setTtl('web', '100s');
    await waitRendered('web', gen);
    expect(manager.informerStats().find((s) => s.informer.startsWith('cachepolicies'))!.expired).toBeGreaterThan(expiredBefore);
  });

  it('deletes the ConfigMap when the CachePolicy is deleted, then lets the policy go', async () => {
    await admin.delete(cpTarget('web'));
    await waitFor('ConfigMap and policy gone', async () => (await renderedGeneration('web')) === undefined && !(await admin.get(cpTarget('web')).then(() => true, () => false)));
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
        env: { ...process.env, KUBECONFIG: cp.kubeconfigPath, WATCH_NAMESPACE: NS, METRICS_PORT: String(ports[i]), POD_NAME: `operator-${i}`, LEASE_DURATION_MS: String(LEASE_MS) },
      });
    }
    await waitFor('a leader', async () => (await leaderOf(0)) || (await leaderOf(1)), 60_000);
    const leader = (await leaderOf(0)) ? 0 : 1;
    const standby = 1 - leader;
    expect(await leaderOf(standby)).toBe(false);

    await procs[leader]!.kill();
    const killedAt = Date.now();
    await waitFor('the standby to lead', () => leaderOf(standby), 30_000);
    const lease = await admin.get<KubeObject & { spec: { holderIdentity?: string } }>({ res: resources.leases, namespace: NS, name: LEASE_NAME });
    expect(lease.spec.holderIdentity).toBe(`operator-${standby}`);
    console.info(`leader failover: standby acted ${Date.now() - killedAt} ms after the kill (lease ${LEASE_MS} ms)`);

    await admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj('after-failover', baseSpec()));
    await waitRendered('after-failover', 1);
  });
});

describe('a service following its policy through kube-source', () => {
  it('applies a changed policy and records the generation on its Pod', async () => {
    const operator = new Manager({ client: new HttpKubeClient({ kubeConfig: kubeConfig() }), controllers: [new CachePolicyController()], identity: 'svc-test', namespace: NS, leaderElection: false, clock: systemClock, logger: silentLogger, metrics: operatorMetrics(new Registry()) });
    await operator.start();
    await admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj('svc', baseSpec()));
    await waitRendered('svc', 1);
    const updates: PolicyUpdate[] = [];
    const errors: string[] = [];
    const source = new KubePolicySource({
      namespace: NS,
      configMap: renderedConfigMapName('svc'),
      client: new HttpKubeClient({ kubeConfig: kubeConfig() }),
      pod: { namespace: NS, name: 'web-0' },
      onError: (reason) => errors.push(reason),
    });
    try {
      await source.start((u) => updates.push(u));
      expect(updates[0]?.policy.keyspaces[0]?.ttlMs).toBe(60_000);
      const gen = await setTtl('svc', '2m');
      await waitFor('the service to apply the change', () => Promise.resolve(updates.at(-1)?.policy.generation === gen));
      expect(updates.at(-1)?.policy.keyspaces[0]?.ttlMs).toBe(120_000);
      await waitFor('the pod annotation', async () => {
        const pod = await admin.get({ res: resources.pods, namespace: NS, name: 'web-0' });
        return pod.metadata.annotations?.[APPLIED_GENERATION_ANNOTATION] === `svc/${gen}`;
      });
      // A bad document in the ConfigMap is refused and the last good policy stays.
      await admin.mergePatch(cmTarget('svc'), { data: { [POLICY_KEY]: '{"kind":"RenderedCachePolicy","policy":"svc","generation":99,"spec":{}}' } });
      await waitFor('the refusal', () => Promise.resolve(errors.includes('invalid')));
      expect(updates.at(-1)?.policy.generation).toBe(gen);
    } finally {
      await source.stop();
      await operator.stop();
    }
  });

  it('reports a generation the service cannot apply on its Pod, shows it in PolicyApplied, and applies the next change', async () => {
    const operator = new Manager({ client: new HttpKubeClient({ kubeConfig: kubeConfig() }), controllers: [new CachePolicyController()], identity: 'refuse-test', namespace: NS, leaderElection: false, clock: systemClock, logger: silentLogger, metrics: operatorMetrics(new Registry()) });
    await operator.start();
    await admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj('picky', baseSpec()));
    await waitRendered('picky', 1);
    const applied: number[] = [];
    const errors: string[] = [];
    const source = new KubePolicySource({
      namespace: NS,
      configMap: renderedConfigMapName('picky'),
      client: new HttpKubeClient({ kubeConfig: kubeConfig() }),
      pod: { namespace: NS, name: 'web-1' },
      onError: (reason) => errors.push(reason),
    });
    const policyApplied = async () =>
      (await admin.get<CachePolicyObject>(cpTarget('picky'))).status?.conditions?.find((c) => c.type === 'PolicyApplied');
    const annotations = async () => (await admin.get({ res: resources.pods, namespace: NS, name: 'web-1' })).metadata.annotations ?? {};
    try {
      // The service needs a keyspace for its "user:" keys: a valid policy without one cannot be applied.
      await source.start((u) => {
        if (!u.policy.keyspaces.some((k) => k.prefix === 'user:')) throw new Error('no keyspace covers user: keys');
        applied.push(u.policy.generation);
      });
      const bad = (await admin.mergePatch<CachePolicyObject>(cpTarget('picky'), { spec: { keyspaces: [{ prefix: 'account:', ttl: '60s' }] } })).metadata.generation;
      await waitFor('the refusal on the pod', async () => (await annotations())[POLICY_REFUSED_ANNOTATION] === `picky/${bad} rejected: no keyspace covers user: keys`);
      expect(errors).toEqual(['rejected']);
      expect((await annotations())[APPLIED_GENERATION_ANNOTATION]).toBe('picky/1');
      await waitFor('PolicyRefused in the status', async () => (await policyApplied())?.reason === 'PolicyRefused');
      expect((await policyApplied())?.message).toContain('pod web-1 (rejected): no keyspace covers user: keys');

      const good = await setTtl('picky', '90s');
      await waitFor('the next change applied', () => Promise.resolve(applied.at(-1) === good));
      await waitFor('the refusal cleared', async () => {
        const a = await annotations();
        return a[APPLIED_GENERATION_ANNOTATION] === `picky/${good}` && a[POLICY_REFUSED_ANNOTATION] === undefined;
      });
      await waitFor('PolicyRefused gone from the status', async () => (await policyApplied())?.reason !== 'PolicyRefused');
      expect(applied).toEqual([1, good]);
    } finally {
      await source.stop();
      await operator.stop();
    }
  });
});

describe('a service following a policy file in a pod that can reach the API', () => {
  it('reports what it applied and what it refused on its Pod, as the API source does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hg-file-report-'));
    const path = join(dir, 'policy.json');
    const doc = (generation: number, prefix: string) =>
      JSON.stringify({ apiVersion: 'herdguard.io/v1alpha1', kind: 'RenderedCachePolicy', policy: 'mounted', namespace: NS, generation, spec: { ...baseSpec(), keyspaces: [{ prefix, ttl: '60s' }] } });
    writeFileSync(path, doc(1, 'user:'));
    const live = await startLivePolicy({
      env: { HERDGUARD_POLICY_FILE: path, POD_NAME: 'web-0', POD_NAMESPACE: NS, KUBECONFIG: cp.kubeconfigPath },
      service: 'web',
      registry: new Registry(),
      logger: silentLogger,
      onUpdate: (u) => {
        if (!u.policy.keyspaces.some((k) => k.prefix === 'user:')) throw new Error('no keyspace covers user: keys');
      },
    });
    const annotations = async () => (await admin.get({ res: resources.pods, namespace: NS, name: 'web-0' })).metadata.annotations ?? {};
    try {
      await waitFor('the applied generation', async () => (await annotations())[APPLIED_GENERATION_ANNOTATION] === 'mounted/1');
      writeFileSync(path, doc(2, 'account:'));
      await waitFor('the refusal', async () => (await annotations())[POLICY_REFUSED_ANNOTATION] === 'mounted/2 rejected: no keyspace covers user: keys');
      expect((await annotations())[APPLIED_GENERATION_ANNOTATION]).toBe('mounted/1');
    } finally {
      await live.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
