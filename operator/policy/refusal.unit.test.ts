import { describe, expect, it } from 'vitest';
import { POLICY_REFUSED_ANNOTATION, refusalAnnotationValue } from '../../lib/3-policy/refusal.js';
import { APPLIED_GENERATION_ANNOTATION, FINALIZER } from '../../lib/3-policy/names.js';
import { Reason } from '../reasons.js';
import { evaluate } from './evaluate.js';
import type { PolicyInput } from './input.js';
import type { CachePolicyObject, PodObject } from '../../lib/3-policy/objects.js';

const policy: CachePolicyObject = {
  metadata: { name: 'profile', namespace: 'shop', uid: 'u1', generation: 4, resourceVersion: '10', finalizers: [FINALIZER] },
  spec: { targetRef: { kind: 'Deployment', name: 'profile' }, keyspaces: [{ prefix: 'user:', ttl: '60s' }] },
};
const pod = (name: string, annotations: Record<string, string>): PodObject => ({
  metadata: { name, namespace: 'shop', labels: { app: 'profile' }, annotations },
  status: { phase: 'Running' },
});
const refused = (generation: number) =>
  refusalAnnotationValue({ policy: 'profile', generation, reason: 'rejected', message: 'E_NO_KEYSPACE: no keyspace covers user: keys' });
const input = (pods: PodObject[]): PolicyInput => ({
  policy,
  configMap: undefined,
  workload: { metadata: { name: 'profile', namespace: 'shop' }, spec: { replicas: 2, selector: { matchLabels: { app: 'profile' } } } },
  pods,
  redis: undefined,
  now: Date.parse('2026-01-01T00:00:00Z'),
});
const condition = (plan: ReturnType<typeof evaluate>, type: string) => plan.status?.conditions?.find((c) => c.type === type);

describe('a generation refused by target pods', () => {
  it('shows in PolicyApplied as PolicyRefused, naming the pod and its reason, and marks the policy Degraded', () => {
    const plan = evaluate(
      input([
        pod('a', { [APPLIED_GENERATION_ANNOTATION]: 'profile/3', [POLICY_REFUSED_ANNOTATION]: refused(4) }),
        pod('b', { [APPLIED_GENERATION_ANNOTATION]: 'profile/4' }),
      ]),
    );
    expect(condition(plan, 'PolicyApplied')).toMatchObject({ status: 'False', reason: Reason.PolicyRefused });
    expect(condition(plan, 'PolicyApplied')?.message).toBe(
      '1 of 2 pods of Deployment profile refused generation 4 and keep their last good policy; ' +
        'pod a (rejected): E_NO_KEYSPACE: no keyspace covers user: keys',
    );
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'True', reason: Reason.PolicyRefused });
    expect(condition(plan, 'Ready')).toMatchObject({ status: 'False', reason: Reason.PolicyRefused });
    expect(plan.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: Reason.PolicyRefused }));
  });

  it('ignores a refusal of an older generation, and an annotation not in the contract format', () => {
    const plan = evaluate(
      input([
        pod('a', { [APPLIED_GENERATION_ANNOTATION]: 'profile/4', [POLICY_REFUSED_ANNOTATION]: refused(3) }),
        pod('b', { [APPLIED_GENERATION_ANNOTATION]: 'profile/4', [POLICY_REFUSED_ANNOTATION]: 'nonsense' }),
      ]),
    );
    expect(condition(plan, 'PolicyApplied')).toMatchObject({ status: 'True', reason: Reason.AllTargetsApplied });
  });

  it('cuts a long refusal message in the annotation, which annotations must keep small', () => {
    const value = refusalAnnotationValue({ policy: 'profile', generation: 4, reason: 'invalid', message: 'x'.repeat(5000) });
    expect(value.length).toBeLessThan(1100);
    expect(value.startsWith('profile/4 invalid: xxx')).toBe(true);
  });
});
