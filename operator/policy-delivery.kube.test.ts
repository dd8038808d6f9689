/**
 * A service following its policy against a real kube-apiserver + etcd: through the
 * Kubernetes source (the change applied, the generation recorded on its Pod, a bad document
 * or an inapplicable generation refused and reported) and from a mounted policy file in a
 * Pod that can reach the API, which reports on its Pod the same way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLivePolicy } from '../example-app/service-kit/policy.js';
import { systemClock } from '../lib/1-ground/clock.js';
import { silentLogger } from '../lib/1-ground/log.js';
import { HttpKubeClient } from '../lib/2-kube/client.js';
import { resources } from '../lib/2-kube/resources.js';
import { APPLIED_GENERATION_ANNOTATION, POLICY_KEY, renderedConfigMapName } from '../lib/3-policy/names.js';
import type { CachePolicyObject } from '../lib/3-policy/objects.js';
import { POLICY_REFUSED_ANNOTATION } from '../lib/3-policy/refusal.js';
import type { PolicyUpdate } from '../lib/3-policy/source.js';
import { KubePolicySource } from '../lib/4-cache/sources/kube-source.js';
import { waitFor } from '../testkit/process.js';
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

describe('a service following its policy through kube-source', () => {
  it('applies a changed policy and records the generation on its Pod', async () => {
    const operator = new Manager({ client: new HttpKubeClient({ kubeConfig: api.kubeConfig() }), controllers: [new CachePolicyController()], identity: 'svc-test', namespace: NS, leaderElection: false, clock: systemClock, logger: silentLogger, metrics: operatorMetrics(new Registry()) });
    await operator.start();
    await api.admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj('svc', baseSpec()));
    await api.waitRendered('svc', 1);
    const updates: PolicyUpdate[] = [];
    const errors: string[] = [];
    const source = new KubePolicySource({
      namespace: NS,
      configMap: renderedConfigMapName('svc'),
      client: new HttpKubeClient({ kubeConfig: api.kubeConfig() }),
      pod: { namespace: NS, name: 'web-0' },
      onError: (reason) => errors.push(reason),
    });
    try {
      await source.start((u) => updates.push(u));
      expect(updates[0]?.policy.keyspaces[0]?.ttlMs).toBe(60_000);
      const gen = await api.setTtl('svc', '2m');
      await waitFor('the service to apply the change', () => Promise.resolve(updates.at(-1)?.policy.generation === gen));
      expect(updates.at(-1)?.policy.keyspaces[0]?.ttlMs).toBe(120_000);
      await waitFor('the pod annotation', async () => {
        const pod = await api.admin.get({ res: resources.pods, namespace: NS, name: 'web-0' });
        return pod.metadata.annotations?.[APPLIED_GENERATION_ANNOTATION] === `svc/${gen}`;
      });
      // A bad document in the ConfigMap is refused and the last good policy stays.
      await api.admin.mergePatch(cmTarget('svc'), { data: { [POLICY_KEY]: '{"kind":"RenderedCachePolicy","policy":"svc","generation":99,"spec":{}}' } });
      await waitFor('the refusal', () => Promise.resolve(errors.includes('invalid')));
      expect(updates.at(-1)?.policy.generation).toBe(gen);
    } finally {
      await source.stop();
      await operator.stop();
    }
  });

  it('reports a generation the service cannot apply on its Pod, shows it in PolicyApplied, and applies the next change', async () => {
    const operator = new Manager({ client: new HttpKubeClient({ kubeConfig: api.kubeConfig() }), controllers: [new CachePolicyController()], identity: 'refuse-test', namespace: NS, leaderElection: false, clock: systemClock, logger: silentLogger, metrics: operatorMetrics(new Registry()) });
    await operator.start();
    await api.admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj('picky', baseSpec()));
    await api.waitRendered('picky', 1);
    const applied: number[] = [];
    const errors: string[] = [];
    const source = new KubePolicySource({
      namespace: NS,
      configMap: renderedConfigMapName('picky'),
      client: new HttpKubeClient({ kubeConfig: api.kubeConfig() }),
      pod: { namespace: NS, name: 'web-1' },
      onError: (reason) => errors.push(reason),
    });
    const policyApplied = async () =>
      (await api.admin.get<CachePolicyObject>(cpTarget('picky'))).status?.conditions?.find((c) => c.type === 'PolicyApplied');
    const annotations = async () => (await api.admin.get({ res: resources.pods, namespace: NS, name: 'web-1' })).metadata.annotations ?? {};
    try {
      // The service needs a keyspace for its "user:" keys: a valid policy without one cannot be applied.
      await source.start((u) => {
        if (!u.policy.keyspaces.some((k) => k.prefix === 'user:')) throw new Error('no keyspace covers user: keys');
        applied.push(u.policy.generation);
      });
      const bad = (await api.admin.mergePatch<CachePolicyObject>(cpTarget('picky'), { spec: { keyspaces: [{ prefix: 'account:', ttl: '60s' }] } })).metadata.generation;
      await waitFor('the refusal on the pod', async () => (await annotations())[POLICY_REFUSED_ANNOTATION] === `picky/${bad} rejected: no keyspace covers user: keys`);
      expect(errors).toEqual(['rejected']);
      expect((await annotations())[APPLIED_GENERATION_ANNOTATION]).toBe('picky/1');
      await waitFor('PolicyRefused in the status', async () => (await policyApplied())?.reason === 'PolicyRefused');
      expect((await policyApplied())?.message).toContain('pod web-1 (rejected): no keyspace covers user: keys');

      const good = await api.setTtl('picky', '90s');
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
      env: { HERDGUARD_POLICY_FILE: path, POD_NAME: 'web-0', POD_NAMESPACE: NS, KUBECONFIG: api.cp.kubeconfigPath },
      service: 'web',
      registry: new Registry(),
      logger: silentLogger,
      onUpdate: (u) => {
        if (!u.policy.keyspaces.some((k) => k.prefix === 'user:')) throw new Error('no keyspace covers user: keys');
      },
    });
    const annotations = async () => (await api.admin.get({ res: resources.pods, namespace: NS, name: 'web-0' })).metadata.annotations ?? {};
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
