/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   rendered Kubernetes objects are untyped YAML; the assertions below are their type check. */
/**
 * The chart's RBAC and ValidatingAdmissionPolicies as rendered by the real helm
 * (docs/adr/0010-least-privilege.md): every verb granted is one the code calls, and the
 * admission policies name the same accounts, annotations and labels as the code. The denials
 * themselves are proven on a real API server in least-privilege.kube.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POLICY_REFUSED_ANNOTATION } from '../../lib/3-policy/refusal.js';
import { PRIMARY_ROLE, ROLE_LABEL } from '../../operator/failover/kube-seams.js';
import { RECORD_LABEL } from '../../operator/failover/record-store.js';
import { APPLIED_GENERATION_ANNOTATION, FIELD_MANAGER, FINALIZER, LEASE_NAME, MANAGED_BY_LABEL } from '../../lib/3-policy/names.js';
import { find, ofKind, render, repoRoot, type Rendered } from './helm.js';
import { asRule, LEASE_GRANTS, operatorGrants, serviceGrants, type Grant } from './rbac-calls.js';

const n = (c: string) => `hg-herdguard-${c}`;
const sa = (c: string) => `system:serviceaccount:shop:${n(c)}`;
const vap = (docs: Rendered[], what: string) => find(docs, 'ValidatingAdmissionPolicy', `hg-herdguard-shop-${what}`);
const variable = (p: Rendered, name: string): string => p.spec.variables.find((v: { name: string }) => v.name === name).expression;

describe('the chart\'s RBAC grants exactly the calls the code makes', () => {
  const docs = render();
  const everyGrant: Array<[string, Grant[]]> = [
    ['operator', operatorGrants([n('redis-0'), n('redis-1')])],
    ['operator leader election', LEASE_GRANTS],
    ['profile', serviceGrants(`${n('profile')}-herdguard-policy`)],
  ];

  it('gives the operator its calls, the Redis pods by name, and nothing cluster-wide', () => {
    expect(find(docs, 'Role', n('operator')).rules).toEqual(operatorGrants([n('redis-0'), n('redis-1')]).map(asRule));
    expect(find(docs, 'Role', `${n('operator')}-leader-election`).rules).toEqual(LEASE_GRANTS.map(asRule));
    expect(ofKind(docs, 'ClusterRole')).toEqual([]);
    expect(ofKind(docs, 'ClusterRoleBinding')).toEqual([]);
    for (const rb of ofKind(docs, 'RoleBinding')) expect(rb.roleRef.kind).toBe('Role');
  });

  it('names as many Redis pods in the operator\'s patch rule as redis.replicas makes', () => {
    const rules = find(render({ set: { 'redis.replicas': 3 } }), 'Role', n('operator')).rules;
    const patch = rules.find((r: { resources: string[]; verbs: string[] }) => r.resources[0] === 'pods' && r.verbs.includes('patch'));
    expect(patch.resourceNames).toEqual([0, 1, 2].map((i) => n(`redis-${i}`)));
  });

  it('gives each policy-reading service its own ConfigMap (list and watch only) and pod patches', () => {
    for (const svc of ['profile', 'market-data']) {
      expect(find(docs, 'Role', n(svc)).rules).toEqual(serviceGrants(`${n(svc)}-herdguard-policy`).map(asRule));
    }
    expect(docs.some((d) => d.kind === 'Role' && d.metadata.name === n('feed-simulator'))).toBe(false);
  });

  it('names for every verb a call site that still makes the call', () => {
    for (const [who, grants] of everyGrant) {
      for (const g of grants) {
        for (const [verb, sites] of Object.entries(g.verbs)) {
          expect(sites.length, `${who}: ${verb} ${g.resources.join(',')} has no call site`).toBeGreaterThan(0);
          for (const s of sites) {
            expect(readFileSync(join(repoRoot, s.file), 'utf8'), `${who}: ${verb} ${g.resources.join(',')}: ${s.file} no longer calls ${s.contains}`).toContain(s.contains);
          }
        }
      }
    }
  });
});

describe('the chart\'s ValidatingAdmissionPolicies', () => {
  const docs = render();

  it('binds every policy with Deny in its namespace only, failing closed', () => {
    const policies = ofKind(docs, 'ValidatingAdmissionPolicy');
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(
      ['operator-cachepolicies', 'operator-configmaps', 'operator-pods', 'pod-report'].map((w) => `hg-herdguard-shop-${w}`),
    );
    for (const p of policies) {
      expect(p.spec.failurePolicy, p.metadata.name).toBe('Fail');
      const b = find(docs, 'ValidatingAdmissionPolicyBinding', p.metadata.name);
      expect(b.spec).toEqual({
        policyName: p.metadata.name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } },
      });
    }
  });

  it('confines the reporting services to the report annotations the code writes', () => {
    const p = vap(docs, 'pod-report');
    expect(p.spec.matchConditions[0].expression).toBe(`request.userInfo.username in ${JSON.stringify([sa('profile'), sa('market-data')])}`);
    expect(variable(p, 'reportKeys')).toBe(`['${APPLIED_GENERATION_ANNOTATION}', '${POLICY_REFUSED_ANNOTATION}']`);
    expect(variable(p, 'boundPod')).toContain("'authentication.kubernetes.io/pod-name'");
    expect(p.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods'] }]);
  });

  it('confines the operator to the Redis pods\' role label, its own ConfigMaps and its finalizer', () => {
    const pods = vap(docs, 'operator-pods');
    expect(pods.spec.matchConditions[0].expression).toBe(`request.userInfo.username == "${sa('operator')}"`);
    expect(JSON.parse(variable(pods, 'redisSelector'))).toEqual(find(docs, 'StatefulSet', n('redis')).spec.selector.matchLabels);
    expect(variable(pods, 'roleLabel')).toBe(`'${ROLE_LABEL}'`);
    expect(JSON.stringify(pods.spec.validations)).toContain(`== '${PRIMARY_ROLE}'`);
    const cms = vap(docs, 'operator-configmaps');
    expect(variable(cms, 'managedBy')).toBe(`'${MANAGED_BY_LABEL}'`);
    const cmRules = JSON.stringify(cms.spec.validations);
    expect(cmRules).toContain(`== '${FIELD_MANAGER}'`);
    expect(cmRules).toContain(`'${RECORD_LABEL}'`);
    expect(cms.spec.matchConstraints.resourceRules[0].operations).toEqual(['CREATE', 'UPDATE', 'DELETE']);
    expect(JSON.stringify(vap(docs, 'operator-cachepolicies').spec.validations)).toContain(`'${FINALIZER}'`);
  });

  it('leaves the services\' policy out with the examples, and keeps the operator\'s', () => {
    const names = ofKind(render({ set: { 'examples.enabled': false } }), 'ValidatingAdmissionPolicy').map((p) => p.metadata.name);
    expect(names).not.toContain('hg-herdguard-shop-pod-report');
    expect(names).toContain('hg-herdguard-shop-operator-pods');
  });

  it('gives two releases in two namespaces policies of different names', () => {
    const other = ofKind(render({ namespace: 'other' }), 'ValidatingAdmissionPolicy').map((p) => p.metadata.name);
    expect(other).toContain('hg-herdguard-other-pod-report');
  });

  it('needs Kubernetes 1.30 (ValidatingAdmissionPolicy v1) and says so in Chart.yaml', () => {
    expect(readFileSync(join(repoRoot, 'charts/herdguard/Chart.yaml'), 'utf8')).toMatch(/^kubeVersion: ">=1\.30\.0-0"$/m);
    expect(LEASE_GRANTS[1]!.resourceNames).toEqual([LEASE_NAME]);
  });
});
