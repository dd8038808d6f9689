/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   rendered Kubernetes objects are untyped YAML; the assertions below are their type check. */
/**
 * The chart's NetworkPolicies as rendered by the real helm: on by default, one per pod the
 * chart creates, and for each component exactly the ingress and egress peers it needs. The API
 * server accepts them (dry-run.kube.test.ts); no test cluster here enforces them.
 */
import { describe, expect, it } from 'vitest';
import { find, ofKind, render, type Rendered } from './helm.js';

const n = (c: string) => `hg-herdguard-${c}`;

/** A peer as a short name: a release component, `dns`, `*` (every namespace) or an ipBlock CIDR. */
function peerName(p: any): string {
  if (p.ipBlock) return p.ipBlock.cidr;
  if (p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kube-system' && p.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns') return 'dns';
  const component = p.podSelector?.matchLabels?.['app.kubernetes.io/component'];
  if (component && p.podSelector.matchLabels['app.kubernetes.io/instance'] === 'hg' && !p.namespaceSelector) return component;
  if (p.namespaceSelector && Object.keys(p.namespaceSelector).length === 0 && !p.podSelector) return '*';
  return JSON.stringify(p);
}

/** Every rule of one direction as sorted "peer@port/protocol" entries. */
function flows(rules: any[] | undefined, side: 'from' | 'to'): string[] {
  return (rules ?? []).flatMap((r) => r[side].flatMap((p: any) => r.ports.map((port: any) => `${peerName(p)}@${port.port}/${port.protocol}`))).sort();
}

const summary = (np: Rendered) => ({ ingress: flows(np.spec.ingress, 'from'), egress: flows(np.spec.egress, 'to') });
const policyOf = (docs: Rendered[], component: string) => summary(find(docs, 'NetworkPolicy', n(component)));

const DNS = ['dns@53/TCP', 'dns@53/UDP'];
const API = ['0.0.0.0/0@443/TCP', '0.0.0.0/0@6443/TCP', '::/0@443/TCP', '::/0@6443/TCP'];
const on = (...e: string[]) => e;

/** Labels of every pod the chart creates: pod templates of workloads and Jobs, and bare Pods (the helm test). */
function podLabels(docs: Rendered[]): Array<{ owner: string; labels: Record<string, string> }> {
  return docs.flatMap((d) => {
    if (['Deployment', 'StatefulSet', 'Job'].includes(d.kind)) return [{ owner: `${d.kind}/${d.metadata.name}`, labels: d.spec.template.metadata.labels }];
    return d.kind === 'Pod' ? [{ owner: `Pod/${d.metadata.name}`, labels: d.metadata.labels ?? {} }] : [];
  });
}

describe('the chart\'s NetworkPolicies with default values', () => {
  const docs = render();

  it('selects every pod the chart creates with exactly one policy restricting ingress and egress', () => {
    const nps = ofKind(docs, 'NetworkPolicy');
    const pods = podLabels(docs);
    expect(pods.length).toBeGreaterThanOrEqual(9);
    for (const { owner, labels } of pods) {
      const selecting = nps.filter((np) => Object.entries(np.spec.podSelector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v));
      expect(selecting.map((np) => np.metadata.name), owner).toHaveLength(1);
      expect(selecting[0]!.spec.policyTypes, owner).toEqual(['Ingress', 'Egress']);
    }
  });

  const expected: Record<string, { ingress: string[]; egress: string[] }> = {
    operator: { ingress: on('*@metrics/TCP', 'test@metrics/TCP'), egress: [...DNS, ...API, 'redis@redis/TCP'] },
    redis: {
      ingress: on('market-data@redis/TCP', 'operator@redis/TCP', 'profile@redis/TCP', 'redis@redis/TCP'),
      egress: [...DNS, 'redis@redis/TCP'],
    },
    postgresql: { ingress: on('profile-seed@postgresql/TCP', 'profile@postgresql/TCP'), egress: [] },
    profile: { ingress: on('*@http/TCP', '*@http/TCP', 'test@http/TCP'), egress: [...DNS, ...API, 'postgresql@postgresql/TCP', 'redis@redis/TCP'] },
    'market-data': { ingress: on('*@http/TCP', '*@http/TCP', 'test@http/TCP'), egress: [...DNS, ...API, 'feed-simulator@http/TCP', 'redis@redis/TCP'] },
    'feed-simulator': { ingress: on('*@http/TCP', 'market-data@http/TCP', 'test@http/TCP'), egress: [] },
    'profile-seed': { ingress: [], egress: [...DNS, 'postgresql@postgresql/TCP'] },
    'policy-cleanup': { ingress: [], egress: API },
    test: { ingress: [], egress: [...DNS, 'feed-simulator@http/TCP', 'market-data@http/TCP', 'operator@metrics/TCP', 'profile@http/TCP'] },
  };
  for (const [component, want] of Object.entries(expected)) {
    it(`lets ${component} accept and reach exactly its peers`, () => {
      expect(policyOf(docs, component)).toEqual({ ingress: [...want.ingress].sort(), egress: [...want.egress].sort() });
    });
  }

  it('allows the API server on 443 and 6443 at any address when no cluster is asked (helm template)', () => {
    expect(policyOf(docs, 'operator').egress.filter((e) => !e.startsWith('dns@') && !e.startsWith('redis@'))).toEqual(API);
  });
});

describe('the chart\'s NetworkPolicies with other values', () => {
  it('renders none when turned off', () => {
    expect(ofKind(render({ set: { 'networkPolicies.enabled': false } }), 'NetworkPolicy')).toEqual([]);
  });

  it('uses the API server addresses and ports given in values', () => {
    const docs = render({ values: { networkPolicies: { apiServer: { cidrs: ['10.0.0.10/32', '10.0.0.11/32'], ports: [6443] } } } });
    for (const c of ['operator', 'profile', 'market-data', 'policy-cleanup']) {
      expect(policyOf(docs, c).egress.filter((e) => e.startsWith('10.')), c).toEqual(['10.0.0.10/32@6443/TCP', '10.0.0.11/32@6443/TCP']);
    }
  });

  it('lets profile reach an external database on its port instead of the bundled PostgreSQL', () => {
    const docs = render({
      set: { 'postgresql.enabled': false, 'externalDatabase.url': 'postgres://u:p@db:5432/profile' },
      values: { networkPolicies: { externalDatabase: { to: [{ ipBlock: { cidr: '192.0.2.0/24' } }], port: 6432 } } },
    });
    expect(policyOf(docs, 'profile').egress).toContain('192.0.2.0/24@6432/TCP');
    expect(policyOf(docs, 'profile').egress.some((e) => e.startsWith('postgresql@'))).toBe(false);
    const names = ofKind(docs, 'NetworkPolicy').map((np) => np.metadata.name);
    expect(names).not.toContain(n('postgresql'));
    expect(names).not.toContain(n('profile-seed'));
  });

  it('appends extraEgress rules to the named component only', () => {
    const vendor = { to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] };
    const docs = render({ values: { networkPolicies: { extraEgress: { 'market-data': [vendor] } } } });
    expect(policyOf(docs, 'market-data').egress).toContain('203.0.113.0/24@443/TCP');
    expect(policyOf(docs, 'profile').egress).not.toContain('203.0.113.0/24@443/TCP');
  });

  it('with the examples off, covers the operator, Redis, the cleanup Job and the helm test pod', () => {
    const docs = render({ set: { 'examples.enabled': false } });
    expect(ofKind(docs, 'NetworkPolicy').map((np) => np.metadata.name).sort()).toEqual(['operator', 'policy-cleanup', 'redis', 'test'].map(n));
    expect(policyOf(docs, 'redis').ingress).toEqual(['operator@redis/TCP', 'redis@redis/TCP']);
    expect(policyOf(docs, 'test').egress).toEqual([...DNS, 'operator@metrics/TCP']);
  });
});
