/**
 * Every object the chart renders, for each main value combination, accepted by a real
 * kube-apiserver (`helm template | kubectl apply --dry-run=server -f -`): schema, CEL rules
 * of the CachePolicy CRD, RBAC (no privilege escalation), PDB, NetworkPolicy and
 * ValidatingAdmissionPolicy validation. What the RBAC and the admission policies allow and
 * refuse: service-rbac.kube.test.ts and operator-rbac.kube.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../testkit/control-plane/control-plane.js';
import { parseAllDocuments } from 'yaml';
import { chartDir, MONITORING_APIS, render, renderText, type RenderOptions } from './helm.js';
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
  'NetworkPolicies off': { set: { 'networkPolicies.enabled': false } },
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

describe('the NetworkPolicies rendered against the cluster', () => {
  it('allow egress to the addresses of the kubernetes Service, looked up at install', async () => {
    // No endpoint reconciler runs here (and its loopback address may not be published): publish
    // the kind of slice a real cluster's API server keeps, with two addresses.
    const slice = {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      endpoints: [{ addresses: ['192.0.2.10'] }, { addresses: ['192.0.2.11'] }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
    };
    await cp.kubectl(['apply', '-f', '-'], JSON.stringify(slice));
    // `helm template --dry-run=server` lets `lookup` ask the cluster, as `helm install` does.
    const text = renderText({ namespace: NAMESPACE, helmArgs: ['--dry-run=server', '--kubeconfig', cp.kubeconfigPath, '-s', 'templates/networkpolicies.yaml'] });
    const nps = parseAllDocuments(text).map((d) => d.toJS() as { metadata: { name: string }; spec: { egress: Array<{ to: Array<{ ipBlock?: { cidr: string } }> }> } });
    const operator = nps.find((np) => np.metadata.name === 'hg-herdguard-operator')!;
    const blocks = operator.spec.egress.flatMap((rule) => rule.to.flatMap((p) => (p.ipBlock ? [p.ipBlock.cidr] : [])));
    expect(blocks).toEqual(['192.0.2.10/32', '192.0.2.11/32']);
    await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], text);
  });
});
