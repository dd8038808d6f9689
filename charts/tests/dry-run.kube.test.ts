/**
 * Every object the chart renders, for each main value combination, accepted by a real
 * kube-apiserver (`helm template | kubectl apply --dry-run=server -f -`): schema, CEL rules
 * of the CachePolicy CRD, RBAC (no privilege escalation), PDB and NetworkPolicy validation.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../e2e/cluster/local.js';
import { chartDir, MONITORING_APIS, render, renderText, type RenderOptions } from './helm.js';
import { OPERATOR_RULES } from './operator-rbac.js';
import { cachePolicy, helmValues } from '../../e2e/providers/chart-values.js';
import type { StackSpec } from '../../e2e/providers/provider.js';

const NAMESPACE = 'shop';
const fixture = (f: string) => join(import.meta.dirname, 'fixtures', f);

const combos: Record<string, RenderOptions> = {
  'default values': {},
  'monitoring on (ServiceMonitor and PrometheusRule APIs served)': {
    set: {
      'monitoring.serviceMonitors.enabled': true,
      'monitoring.prometheusRules.enabled': true,
      'monitoring.runbookBaseUrl': 'https://git.example.com/platform/herdguard/-/blob/main/runbooks/',
      'monitoring.dashboards.enabled': true,
      'monitoring.labels.release': 'kube-prometheus-stack',
    },
    apiVersions: MONITORING_APIS,
  },
  'the examples off': { set: { 'examples.enabled': false } },
  'an external database': { set: { 'postgresql.enabled': false, 'externalDatabase.url': 'postgres://u:p@db:5432/profile' } },
  'NetworkPolicies on': { set: { 'networkPolicies.enabled': true } },
  'the values the e2e chart provider installs': { values: helmValues(e2eStack()), release: 'herdguard' },
};

function e2eStack(): StackSpec {
  const policySpec = (prefix: string) => ({ targetRef: { kind: 'Deployment', name: 'x' }, keyspaces: [{ prefix, ttl: '10s' }] });
  return {
    namespace: NAMESPACE,
    services: [
      { name: 'profile', replicas: 3, policySpec: policySpec('user:') },
      { name: 'market-data', replicas: 3, policySpec: policySpec('quote:') },
    ],
  };
}

let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane();
  // The CRDs are applied for real (not dry-run): the CachePolicies need them served.
  await cp.kubectl(['apply', '-f', join(chartDir, 'crds'), '-f', fixture('monitoring-crds.yaml')]);
  await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  await cp.kubectl(['create', 'namespace', NAMESPACE]);
});

afterAll(async () => {
  await cp?.stop();
});

describe('helm template | kubectl apply --dry-run=server', () => {
  it('accepts the chart CRD, which is the generated one byte for byte', () => {
    const copy = readFileSync(join(chartDir, 'crds/herdguard.io_cachepolicies.yaml'));
    const generated = readFileSync(join(chartDir, '../../crds/herdguard.io_cachepolicies.yaml'));
    expect(copy.equals(generated)).toBe(true);
  });

  for (const [name, o] of Object.entries(combos)) {
    it(`accepts every rendered object with ${name}`, async () => {
      const opts = { ...o, namespace: NAMESPACE };
      const expected = render(opts).map((d) => `${d.kind}/${d.metadata.name}`);
      const out = await cp.kubectl(['apply', '--dry-run=server', '-o', 'name', '-f', '-'], renderText(opts));
      // -o name prints "<resource>.<group>/<name>"; compare by kind (case-insensitive) and name.
      const accepted = out.trim().split('\n').map((l) => l.trim());
      expect(accepted.length).toBe(expected.length);
      for (const e of expected) {
        const [kind, objName] = e.split('/') as [string, string];
        const hit = accepted.some((a) => a.toLowerCase().startsWith(kind.toLowerCase()) && a.endsWith(`/${objName}`));
        expect(hit, `${e} not in: ${out}`).toBe(true);
      }
    });
  }

  it('accepts the CachePolicies the kind e2e provider applies', async () => {
    const docs = e2eStack().services.map((svc) => JSON.stringify(cachePolicy(NAMESPACE, svc)));
    for (const d of docs) expect(await cp.kubectl(['apply', '--dry-run=server', '-o', 'name', '-f', '-'], d)).toMatch(/cachepolicy.herdguard.io\/herdguard-/);
  });

  it('refuses a CachePolicy the CRD rules reject, so the dry run really validates', async () => {
    const bad = `apiVersion: herdguard.io/v1alpha1
kind: CachePolicy
metadata: {name: bad, namespace: ${NAMESPACE}}
spec:
  targetRef: {kind: Deployment, name: profile}
  keyspaces:
    - {prefix: "user:", ttl: 60s, coalescing: {leaseTTL: 1s, waitTimeout: 2s}}
`;
    await expect(cp.kubectl(['apply', '--dry-run=server', '-f', '-'], bad)).rejects.toThrow(/leaseTTL must be longer/);
  });
});

describe('the rendered RBAC, installed for real and checked by impersonation', () => {
  const RBAC_NS = 'rbac';
  const operator = `system:serviceaccount:${RBAC_NS}:hg-herdguard-operator`;
  const profile = `system:serviceaccount:${RBAC_NS}:hg-herdguard-profile`;
  const canI = async (as: string, verb: string, resource: string, ns = RBAC_NS): Promise<boolean> => {
    try {
      return (await cp.kubectl(['auth', 'can-i', verb, resource, '-n', ns, `--as=${as}`])).trim() === 'yes';
    } catch {
      return false; // can-i exits 1 for "no"
    }
  };

  beforeAll(async () => {
    await cp.kubectl(['create', 'namespace', RBAC_NS]);
    await cp.kubectl(['apply', '-f', '-'], renderText({ namespace: RBAC_NS }));
  });

  it('lets the operator do every call the operator code makes', async () => {
    const calls = OPERATOR_RULES.flatMap((r) =>
      r.resources.flatMap((res) => r.verbs.map((v) => [v, r.apiGroups[0] ? `${res.split('/')[0]}.${r.apiGroups[0]}${res.includes('/') ? `/${res.split('/')[1]}` : ''}` : res] as const)),
    );
    calls.push(['get', 'leases.coordination.k8s.io'], ['create', 'leases.coordination.k8s.io'], ['update', 'leases.coordination.k8s.io']);
    for (const [verb, res] of calls) expect(await canI(operator, verb, res), `${verb} ${res}`).toBe(true);
  });

  it('refuses the operator anything else: secrets, other namespaces, cluster scope, deleting pods, editing specs', async () => {
    const denied: Array<[string, string, string?]> = [
      ['get', 'secrets'],
      ['list', 'configmaps', 'default'],
      ['list', 'nodes'],
      ['delete', 'pods'],
      ['create', 'cachepolicies.herdguard.io'],
      ['update', 'cachepolicies.herdguard.io'],
      ['patch', 'deployments.apps'],
      ['delete', 'leases.coordination.k8s.io'],
    ];
    for (const [verb, res, ns] of denied) expect(await canI(operator, verb, res, ns), `${verb} ${res}`).toBe(false);
  });

  it('lets a service read only its own policy ConfigMap and patch pods, nothing more', async () => {
    expect(await canI(profile, 'get', 'configmaps/hg-herdguard-profile-herdguard-policy')).toBe(true);
    expect(await canI(profile, 'watch', 'configmaps/hg-herdguard-profile-herdguard-policy')).toBe(true);
    expect(await canI(profile, 'patch', 'pods')).toBe(true);
    expect(await canI(profile, 'get', 'configmaps/hg-herdguard-market-data-herdguard-policy')).toBe(false);
    expect(await canI(profile, 'list', 'configmaps')).toBe(false);
    expect(await canI(profile, 'get', 'secrets')).toBe(false);
    expect(await canI(profile, 'delete', 'pods')).toBe(false);
  });

  it('is enough for the real operator, running with the chart ServiceAccount token, to lead and render a policy', async () => {
    const token = (await cp.kubectl(['create', 'token', 'hg-herdguard-operator', '-n', RBAC_NS])).trim();
    const kubeconfig = join(cp.dir, 'operator-sa.kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${cp.server}", certificate-authority: "${join(cp.dir, 'ca.crt')}"}}]
users: [{name: sa, user: {token: "${token}"}}]
contexts: [{name: c, context: {cluster: c, user: sa, namespace: ${RBAC_NS}}}]
current-context: c
`);
    const op = spawn(process.execPath, ['--import', 'tsx', join(chartDir, '../../operator/main.ts')], {
      env: {
        ...process.env, KUBECONFIG: kubeconfig, WATCH_NAMESPACE: RBAC_NS, LEADER_ELECTION: 'true',
        LEADER_ELECTION_NAMESPACE: RBAC_NS, METRICS_PORT: '0', HEALTH_PORT: '0', POD_NAME: 'operator-under-test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    op.stdout.on('data', (c: Buffer) => (log += c.toString()));
    op.stderr.on('data', (c: Buffer) => (log += c.toString()));
    try {
      const cm = 'hg-herdguard-profile-herdguard-policy';
      let rendered = '';
      for (let t0 = Date.now(); !rendered && Date.now() - t0 < 60_000; await sleep(250)) {
        rendered = await cp.kubectl(['get', 'configmap', cm, '-n', RBAC_NS, '-o', 'jsonpath={.data.policy\\.json}']).catch(() => '');
      }
      expect(rendered, log).toContain('"policy":"hg-herdguard-profile"');
      const holder = await cp.kubectl(['get', 'lease', '-n', RBAC_NS, '-o', 'jsonpath={.items[*].spec.holderIdentity}']);
      expect(holder).toBe('operator-under-test');
      expect(log).not.toMatch(/forbidden/i);
    } finally {
      op.kill('SIGTERM');
      await new Promise((resolve) => op.once('exit', resolve));
    }
  });
});

