/**
 * What a public service's ServiceAccount can do with the chart's RBAC and its pod-report
 * admission policy, on a real API server (docs/adr/0010-least-privilege.md): annotate its own
 * Pod with the report annotations, and nothing else on any Pod.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../testkit/control-plane/control-plane.js';
import { reportToPod } from '../../lib/4-cache/sources/pod-report.js';
import { POLICY_REFUSED_ANNOTATION } from '../../lib/3-policy/refusal.js';
import { PolicyReloadError } from '../../lib/3-policy/source.js';
import { KubeApiError } from '../../lib/2-kube/errors.js';
import { APPLIED_GENERATION_ANNOTATION } from '../../lib/3-policy/names.js';
import { canI, impersonate, installRelease, name, serviceAccount, tokenClient, type Caller } from './rbac-cluster.js';

const NS = 'svc-rbac';
const OWN = name('profile-7d9f8-aaaaa');
const SIBLING = name('profile-7d9f8-bbbbb');
const podPath = (pod: string) => `/api/v1/namespaces/${NS}/pods/${pod}`;
const annotate = (a: Record<string, string | null>) => ({ metadata: { annotations: a } });
const FORBIDDEN = 403;

let cp: ControlPlane;
let profile: Caller; // the profile ServiceAccount, with a token bound to OWN

beforeAll(async () => {
  cp = await startControlPlane();
  await installRelease(cp, NS);
  profile = impersonate(cp, serviceAccount(NS, 'profile'), OWN);
});

afterAll(async () => {
  await cp?.stop();
});

const podOf = async (pod: string) => JSON.parse(await cp.kubectl(['get', 'pod', pod, '-n', NS, '-o', 'json'])) as {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Array<{ image: string }> };
};

describe('a reporting service\'s ServiceAccount (profile), token bound to its Pod', () => {
  it('annotates its own Pod with the generation it applied, and records and clears a refusal', async () => {
    expect(await profile.call('PATCH', podPath(OWN), annotate({ [POLICY_REFUSED_ANNOTATION]: 'policy/3: invalid' }))).toMatchObject({ status: 200 });
    const applied = annotate({ [APPLIED_GENERATION_ANNOTATION]: 'hg-herdguard-profile/4', [POLICY_REFUSED_ANNOTATION]: null });
    expect(await profile.call('PATCH', podPath(OWN), applied)).toMatchObject({ status: 200 });
    const a = (await podOf(OWN)).metadata.annotations ?? {};
    expect(a[APPLIED_GENERATION_ANNOTATION]).toBe('hg-herdguard-profile/4');
    expect(a[POLICY_REFUSED_ANNOTATION]).toBeUndefined();
  });

  it('cannot annotate another Pod, even one of its own Deployment', async () => {
    const r = await profile.call('PATCH', podPath(SIBLING), annotate({ [APPLIED_GENERATION_ANNOTATION]: 'x/1' }));
    expect(r).toMatchObject({ status: FORBIDDEN, message: expect.stringContaining('may change only its own Pod') as string });
    expect((await podOf(SIBLING)).metadata.annotations?.[APPLIED_GENERATION_ANNOTATION]).toBeUndefined();
  });

  it('cannot annotate a Pod of another component (a Redis pod) either', async () => {
    const r = await profile.call('PATCH', podPath(name('redis-0')), annotate({ [APPLIED_GENERATION_ANNOTATION]: 'x/1' }));
    expect(r.status).toBe(FORBIDDEN);
  });

  it('cannot change any Pod with a token bound to no Pod', async () => {
    const unbound = impersonate(cp, serviceAccount(NS, 'profile'));
    const r = await unbound.call('PATCH', podPath(OWN), annotate({ [APPLIED_GENERATION_ANNOTATION]: 'x/1' }));
    expect(r).toMatchObject({ status: FORBIDDEN, message: expect.stringContaining('bound to no Pod') as string });
  });

  it('cannot change its own Pod\'s image', async () => {
    const r = await profile.call('PATCH', podPath(OWN), { spec: { containers: [{ name: 'main', image: 'attacker.example/app:1' }] } });
    expect(r).toMatchObject({ status: FORBIDDEN, message: expect.stringContaining("may not change a Pod's spec") as string });
    expect((await podOf(OWN)).spec.containers[0]!.image).toBe('registry.example/app:1');
  });

  it('cannot change its own Pod\'s labels (e.g. take role=primary, or leave its Service)', async () => {
    for (const labels of [{ role: 'primary' }, { 'app.kubernetes.io/component': 'redis' }, { 'app.kubernetes.io/instance': null }]) {
      const r = await profile.call('PATCH', podPath(OWN), { metadata: { labels } });
      expect(r, JSON.stringify(labels)).toMatchObject({ status: FORBIDDEN, message: expect.stringContaining("may not change a Pod's labels") as string });
    }
  });

  it('cannot set other annotations, finalizers or owners on its own Pod', async () => {
    const bodies = [
      annotate({ 'prometheus.io/scrape': 'false' }),
      annotate({ 'herdguard.io/redis-port': '1' }),
      { metadata: { finalizers: ['example.com/hold'] } },
      { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '00000000-0000-0000-0000-000000000000' }] } },
    ];
    for (const b of bodies) expect((await profile.call('PATCH', podPath(OWN), b)).status, JSON.stringify(b)).toBe(FORBIDDEN);
  });

  it('holds no other right on pods, and reads only its own policy ConfigMap', async () => {
    const me = serviceAccount(NS, 'profile');
    const denied: Array<[string, string]> = [
      ['get', 'pods'], ['list', 'pods'], ['update', 'pods'], ['create', 'pods'], ['delete', 'pods'], ['patch', 'pods#status'],
      ['create', 'pods#exec'], ['get', 'configmaps'], ['get', `configmaps/${name('profile')}-herdguard-policy`],
      ['list', `configmaps/${name('market-data')}-herdguard-policy`], ['get', 'secrets'], ['create', 'serviceaccounts#token'],
    ];
    for (const [verb, res] of denied) expect(await canI(cp, me, verb, res, NS), `${verb} ${res}`).toBe(false);
    for (const verb of ['list', 'watch']) expect(await canI(cp, me, verb, `configmaps/${name('profile')}-herdguard-policy`, NS), verb).toBe(true);
    expect(await canI(cp, me, 'patch', 'pods', 'default'), 'patch pods in another namespace').toBe(false);
  });

  it('lets market-data annotate its own Pod, not a profile Pod', async () => {
    const md = impersonate(cp, serviceAccount(NS, 'market-data'), name('market-data-5c6b7-ccccc'));
    expect((await md.call('PATCH', podPath(OWN), annotate({ [APPLIED_GENERATION_ANNOTATION]: 'x/1' }))).status).toBe(FORBIDDEN);
    expect((await md.call('PATCH', podPath(name('market-data-5c6b7-ccccc')), annotate({ [APPLIED_GENERATION_ANNOTATION]: 'm/1' }))).status).toBe(200);
  });
});

describe('the service\'s own report code, with a real token bound to its Pod', () => {
  it('reports an applied generation on its own Pod, and is refused on a sibling', async () => {
    const client = await tokenClient(cp, NS, 'profile', OWN);
    try {
      await reportToPod(client, { namespace: NS, name: OWN }, { kind: 'applied', policy: 'hg-herdguard-profile', generation: 9 });
      expect((await podOf(OWN)).metadata.annotations?.[APPLIED_GENERATION_ANNOTATION]).toBe('hg-herdguard-profile/9');
      const refused = { kind: 'refused', policy: 'hg-herdguard-profile', generation: 10, reason: PolicyReloadError.Invalid, message: 'x' } as const;
      const err = await reportToPod(client, { namespace: NS, name: SIBLING }, refused).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect((err as KubeApiError).status).toBe(FORBIDDEN);
      expect((await podOf(SIBLING)).metadata.annotations?.[POLICY_REFUSED_ANNOTATION]).toBeUndefined();
    } finally {
      client.close();
    }
  });
});
