/**
 * What the operator's ServiceAccount can do with the chart's Roles and admission policies, on a
 * real API server (docs/adr/0010-least-privilege.md): every call its code makes, and on pods,
 * ConfigMaps and CachePolicies only the changes it owns.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../testkit/control-plane/control-plane.js';
import { emptyRecord } from '../../operator/failover/decide.js';
import { RECORD_LABEL, recordConfigMapName, RecordStore } from '../../operator/failover/record-store.js';
import type { HttpKubeClient } from '../../lib/2-kube/client.js';
import { resources } from '../../lib/2-kube/resources.js';
import { FIELD_MANAGER, FINALIZER, MANAGED_BY_LABEL } from '../../lib/3-policy/names.js';
import { chartDir } from './helm.js';
import { canI, FOREIGN_CONFIGMAP, impersonate, installRelease, name, serviceAccount, tokenClient, type Caller } from './rbac-cluster.js';
import { asRule, LEASE_GRANTS, operatorGrants } from './rbac-calls.js';

const NS = 'op-rbac';
const FORBIDDEN = 403;
const pod = (p: string) => `/api/v1/namespaces/${NS}/pods/${p}`;
const cm = (c = '') => `/api/v1/namespaces/${NS}/configmaps${c ? `/${c}` : ''}`;
const policy = (p: string) => `/apis/herdguard.io/v1alpha1/namespaces/${NS}/cachepolicies/${p}`;
const OWNED = { [MANAGED_BY_LABEL]: FIELD_MANAGER };
const APPLY = 'application/apply-patch+yaml';

let cp: ControlPlane;
let operator: Caller;
let client: HttpKubeClient; // the code's own client, with a real token of the operator's ServiceAccount

beforeAll(async () => {
  cp = await startControlPlane();
  await installRelease(cp, NS);
  operator = impersonate(cp, serviceAccount(NS, 'operator'));
  client = await tokenClient(cp, NS, 'operator');
});

afterAll(async () => {
  client?.close();
  await cp?.stop();
});

const labelsOf = async (kind: string, n: string) =>
  JSON.parse((await cp.kubectl(['get', kind, n, '-n', NS, '-o', 'jsonpath={.metadata.labels}'])) || '{}') as Record<string, string>;

describe('the operator on pods', () => {
  it('moves the role=primary label from one of the release\'s Redis pods to another (kube-seams.ts moveLabel)', async () => {
    expect(await operator.call('PATCH', pod(name('redis-0')), { metadata: { labels: { role: null } } })).toMatchObject({ status: 200 });
    expect(await operator.call('PATCH', pod(name('redis-1')), { metadata: { labels: { role: 'primary' } } })).toMatchObject({ status: 200 });
    expect((await labelsOf('pod', name('redis-1'))).role).toBe('primary');
  });

  it('cannot change a Redis pod\'s image', async () => {
    const r = await operator.call('PATCH', pod(name('redis-1')), { spec: { containers: [{ name: 'main', image: 'attacker.example/redis:1' }] } });
    expect(r).toMatchObject({ status: FORBIDDEN, message: expect.stringContaining("may not change a Pod's spec") as string });
  });

  it('cannot set another label, another role, or an annotation on a Redis pod', async () => {
    const bodies = [
      { metadata: { labels: { 'app.kubernetes.io/component': 'profile' } } },
      { metadata: { labels: { role: 'replica' } } },
      { metadata: { annotations: { 'herdguard.io/redis-port': '7000' } } },
      { metadata: { finalizers: ['example.com/hold'] } },
    ];
    for (const b of bodies) expect((await operator.call('PATCH', pod(name('redis-0')), b)).status, JSON.stringify(b)).toBe(FORBIDDEN);
  });

  it('cannot patch a pod that is not one of the release\'s Redis pods: by RBAC, or by admission for a look-alike name', async () => {
    const label = { metadata: { labels: { role: 'primary' } } };
    for (const p of [`stranger-${NS}`, name('profile-7d9f8-aaaaa')]) {
      expect(await operator.call('PATCH', pod(p), label), p).toMatchObject({ status: FORBIDDEN, message: expect.stringContaining('cannot patch resource') as string });
    }
    const impostor = await operator.call('PATCH', pod(name('redis-2')), label);
    expect(impostor).toMatchObject({ status: FORBIDDEN, message: expect.stringContaining('only Redis pods of this release') as string });
  });
});

describe('the operator on ConfigMaps', () => {
  it('creates and rewrites its promotion record, labelled as its own (record-store.ts)', async () => {
    const store = new RecordStore({ client, namespace: NS, statefulSet: name('redis'), ownerUid: () => undefined, seed: () => emptyRecord });
    await store.load();
    await store.save({ ...emptyRecord, primary: name('redis-1'), epoch: 1 });
    await store.save({ ...emptyRecord, primary: name('redis-1'), epoch: 2 });
    expect(await labelsOf('configmap', recordConfigMapName(name('redis')))).toMatchObject({ ...OWNED, [RECORD_LABEL]: name('redis') });
  });

  it('adopts a record written before the label existed on its next save', async () => {
    const legacy = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: recordConfigMapName('old'), namespace: NS, labels: { [RECORD_LABEL]: 'old' } }, data: {} };
    await cp.kubectl(['apply', '-f', '-'], JSON.stringify(legacy));
    const store = new RecordStore({ client, namespace: NS, statefulSet: 'old', ownerUid: () => undefined, seed: () => emptyRecord });
    await store.load();
    await store.save({ ...emptyRecord, epoch: 5 });
    expect(await labelsOf('configmap', recordConfigMapName('old'))).toMatchObject(OWNED);
  });

  it('server-side applies, patches and deletes a rendered policy ConfigMap (policy/controller.ts)', async () => {
    const target = { res: resources.configMaps, namespace: NS, name: 'p-herdguard-policy' };
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: target.name, namespace: NS, labels: OWNED }, data: { 'policy.json': '{}' } };
    await client.apply(target, body, FIELD_MANAGER);
    await client.apply(target, { ...body, data: { 'policy.json': '{"generation":2}' } }, FIELD_MANAGER);
    await client.delete(target);
  });

  it('cannot create a ConfigMap without its label, nor take the label off its own', async () => {
    const bare = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unlabelled' }, data: {} };
    expect(await operator.call('POST', cm(), bare, 'application/json')).toMatchObject({ status: FORBIDDEN });
    const r = await operator.call('PATCH', cm(recordConfigMapName(name('redis'))), { metadata: { labels: { [MANAGED_BY_LABEL]: null } } });
    expect(r).toMatchObject({ status: FORBIDDEN, message: expect.stringContaining('carries app.kubernetes.io/managed-by=herdguard-operator') as string });
  });

  it('cannot patch, apply over, replace or delete a ConfigMap it did not create', async () => {
    const refused = expect.stringContaining('only ConfigMaps it created') as string;
    expect(await operator.call('PATCH', cm(FOREIGN_CONFIGMAP), { data: { k: 'changed' } })).toMatchObject({ status: FORBIDDEN, message: refused });
    const claim = { metadata: { labels: OWNED }, data: { k: 'changed' } };
    expect(await operator.call('PATCH', cm(FOREIGN_CONFIGMAP), claim)).toMatchObject({ status: FORBIDDEN, message: refused });
    const applied = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: FOREIGN_CONFIGMAP, labels: OWNED }, data: { k: 'x' } });
    expect(await operator.call('PATCH', `${cm(FOREIGN_CONFIGMAP)}?fieldManager=${FIELD_MANAGER}&force=true`, applied, APPLY)).toMatchObject({ status: FORBIDDEN, message: refused });
    const put = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: FOREIGN_CONFIGMAP, labels: OWNED }, data: {} };
    expect(await operator.call('PUT', cm(FOREIGN_CONFIGMAP), put, 'application/json')).toMatchObject({ status: FORBIDDEN });
    expect(await operator.call('DELETE', cm(FOREIGN_CONFIGMAP))).toMatchObject({ status: FORBIDDEN, message: refused });
    expect(await cp.kubectl(['get', 'configmap', FOREIGN_CONFIGMAP, '-n', NS, '-o', 'jsonpath={.data.k}'])).toBe('v');
  });
});

describe('the operator on CachePolicies', () => {
  const p = policy(name('profile'));

  it('adds and removes its finalizer, and writes status', async () => {
    expect(await operator.call('PATCH', p, { metadata: { finalizers: [FINALIZER] } })).toMatchObject({ status: 200 });
    expect(await operator.call('PATCH', p, { metadata: { finalizers: [] } })).toMatchObject({ status: 200 });
    expect(await operator.call('PATCH', `${p}/status`, { status: { observedGeneration: 1 } })).toMatchObject({ status: 200 });
  });

  it('cannot change a policy\'s spec, labels or other finalizers', async () => {
    const bodies = [{ spec: { targetRef: { kind: 'Deployment', name: 'elsewhere' } } }, { metadata: { labels: { team: 'x' } } }, { metadata: { finalizers: ['example.com/hold'] } }];
    for (const b of bodies) {
      expect(await operator.call('PATCH', p, b), JSON.stringify(b)).toMatchObject({ status: FORBIDDEN, message: expect.stringContaining('ValidatingAdmissionPolicy') as string });
    }
  });
});

describe('the operator\'s RBAC', () => {
  const me = () => serviceAccount(NS, 'operator');

  it('grants every call the code makes', async () => {
    const grants = [...operatorGrants([name('redis-0'), name('redis-1'), name('redis-2')]), ...LEASE_GRANTS].map(asRule);
    for (const g of grants) {
      for (const res of g.resources) {
        const [type, sub] = res.split('/') as [string, string?];
        const qualified = `${type}${g.apiGroups[0] ? `.${g.apiGroups[0]}` : ''}`;
        for (const target of g.resourceNames?.map((n) => `${qualified}/${n}`) ?? [qualified]) {
          const resource = sub ? `${target}#${sub}` : target;
          for (const verb of g.verbs) expect(await canI(cp, me(), verb, resource, NS), `${verb} ${resource}`).toBe(true);
        }
      }
    }
  });

  it('refuses everything else: secrets, other namespaces, cluster scope, pod create/delete/update/exec, other objects by name', async () => {
    const denied: Array<[string, string, string?]> = [
      ['get', 'secrets'], ['list', 'configmaps', 'default'], ['list', 'nodes'], ['create', 'pods'], ['delete', 'pods'],
      ['update', 'pods'], ['patch', 'pods'], ['patch', `pods/stranger-${NS}`], ['create', 'pods#exec'], ['patch', 'pods#status'],
      ['update', 'configmaps'], ['get', 'configmaps'], ['create', 'cachepolicies.herdguard.io'], ['update', 'cachepolicies.herdguard.io'],
      ['delete', 'cachepolicies.herdguard.io'], ['patch', 'deployments.apps'], ['patch', 'statefulsets.apps'], ['delete', 'leases.coordination.k8s.io'],
      ['update', 'leases.coordination.k8s.io/someone-else'], ['get', 'leases.coordination.k8s.io/someone-else'],
    ];
    for (const [verb, res, ns] of denied) expect(await canI(cp, me(), verb, res, ns ?? NS), `${verb} ${res} in ${ns ?? NS}`).toBe(false);
  });

  it('is enough for the real operator, running with the chart ServiceAccount token, to lead and render a policy', async () => {
    const token = (await cp.kubectl(['create', 'token', name('operator'), '-n', NS])).trim();
    const kubeconfig = join(cp.dir, 'operator-sa.kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${cp.server}", certificate-authority: "${join(cp.dir, 'ca.crt')}"}}]
users: [{name: sa, user: {token: "${token}"}}]
contexts: [{name: c, context: {cluster: c, user: sa, namespace: ${NS}}}]
current-context: c
`);
    const op = spawn(process.execPath, ['--import', 'tsx', join(chartDir, '../../operator/main.ts')], {
      env: {
        ...process.env, KUBECONFIG: kubeconfig, WATCH_NAMESPACE: NS, LEADER_ELECTION: 'true',
        LEADER_ELECTION_NAMESPACE: NS, METRICS_PORT: '0', HEALTH_PORT: '0', POD_NAME: 'operator-under-test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    op.stdout.on('data', (c: Buffer) => (log += c.toString()));
    op.stderr.on('data', (c: Buffer) => (log += c.toString()));
    try {
      const configMap = `${name('profile')}-herdguard-policy`;
      let rendered = '';
      for (let t0 = Date.now(); !rendered && Date.now() - t0 < 60_000; await sleep(250)) {
        rendered = await cp.kubectl(['get', 'configmap', configMap, '-n', NS, '-o', 'jsonpath={.data.policy\\.json}']).catch(() => '');
      }
      expect(rendered, log).toContain(`"policy":"${name('profile')}"`);
      const finalizers = await cp.kubectl(['get', 'cachepolicy', name('profile'), '-n', NS, '-o', 'jsonpath={.metadata.finalizers}']);
      expect(finalizers).toContain(FINALIZER);
      expect(await cp.kubectl(['get', 'lease', '-n', NS, '-o', 'jsonpath={.items[*].spec.holderIdentity}'])).toBe('operator-under-test');
      expect(log).not.toMatch(/forbidden|ValidatingAdmissionPolicy/i);
      await policyNamedLikeAForeignConfigMapGoesWithoutIt();
    } finally {
      op.kill('SIGTERM');
      await new Promise((resolve) => op.once('exit', resolve));
    }
  });
});

/**
 * A policy whose ConfigMap name is taken by someone else's ConfigMap: admission refuses the
 * operator's apply over it, and on deletion the operator leaves that ConfigMap alone and still
 * removes its finalizer (policy/controller.ts finalize), so the policy does not hang.
 */
async function policyNamedLikeAForeignConfigMapGoesWithoutIt(): Promise<void> {
  const foreign = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'collide-herdguard-policy', namespace: NS }, data: { mine: 'yes' } };
  const spec = { targetRef: { kind: 'Deployment', name: name('profile') }, keyspaces: [{ prefix: 'c:', ttl: '10s' }] };
  const cachePolicy = { apiVersion: 'herdguard.io/v1alpha1', kind: 'CachePolicy', metadata: { name: 'collide', namespace: NS }, spec };
  await cp.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [foreign, cachePolicy] }));
  const finalizers = () => cp.kubectl(['get', 'cachepolicy', 'collide', '-n', NS, '-o', 'jsonpath={.metadata.finalizers}']).catch(() => 'gone');
  for (let t0 = Date.now(); !(await finalizers()).includes(FINALIZER) && Date.now() - t0 < 30_000; ) await sleep(200);
  await cp.kubectl(['delete', 'cachepolicy', 'collide', '-n', NS, '--wait=false']);
  for (let t0 = Date.now(); (await finalizers()) !== 'gone' && Date.now() - t0 < 30_000; ) await sleep(200);
  expect(await finalizers()).toBe('gone');
  expect(await cp.kubectl(['get', 'configmap', 'collide-herdguard-policy', '-n', NS, '-o', 'jsonpath={.data.mine}'])).toBe('yes');
}
