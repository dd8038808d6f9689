import { describe, expect, it } from 'vitest';
import { APPLIED_GENERATION_ANNOTATION, FINALIZER, POLICY_KEY } from '../../lib/3-policy/names.js';
import { Reason } from '../reasons.js';
import { evaluate, mergeConditions } from './evaluate.js';
import type { PolicyInput } from './input.js';
import { desiredConfigMap } from './render.js';
import type { CachePolicyObject, PodObject, WorkloadObject } from '../../lib/3-policy/objects.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

const policy = (m: (p: CachePolicyObject) => void = () => undefined): CachePolicyObject => {
  const p: CachePolicyObject = {
    metadata: { name: 'profile', namespace: 'shop', uid: 'u1', generation: 3, resourceVersion: '10', finalizers: [FINALIZER] },
    spec: { targetRef: { kind: 'Deployment', name: 'profile' }, keyspaces: [{ prefix: 'user:', ttl: '60s' }] },
  };
  m(p);
  return p;
};
const deployment = (replicas: number): WorkloadObject => ({
  metadata: { name: 'profile', namespace: 'shop' },
  spec: { replicas, selector: { matchLabels: { app: 'profile' } } },
});
const pod = (name: string, applied?: string): PodObject => ({
  metadata: { name, namespace: 'shop', labels: { app: 'profile' }, ...(applied ? { annotations: { [APPLIED_GENERATION_ANNOTATION]: applied } } : {}) },
  status: { phase: 'Running' },
});
const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({
  policy: policy(),
  configMap: undefined,
  workload: deployment(2),
  pods: [pod('a', 'profile/3'), pod('b', 'profile/3')],
  redis: undefined,
  now: NOW,
  ...over,
});
const condition = (plan: ReturnType<typeof evaluate>, type: string) => plan.status?.conditions?.find((c) => c.type === type);

describe('evaluate', () => {
  it('renders a missing ConfigMap with the spec verbatim and the generation', () => {
    const plan = evaluate(input());
    const doc = JSON.parse(plan.configMap?.data?.[POLICY_KEY] ?? '{}');
    expect(doc).toMatchObject({ kind: 'RenderedCachePolicy', policy: 'profile', namespace: 'shop', generation: 3 });
    expect(doc.spec).toEqual(policy().spec);
    expect(plan.events[0]?.reason).toBe(Reason.PolicyRendered);
  });

  it('writes nothing when the ConfigMap and status are already what they should be', () => {
    const first = evaluate(input());
    const settled = policy((p) => (p.status = first.status ?? {}));
    const again = evaluate(input({ policy: settled, configMap: desiredConfigMap(settled), now: NOW + 60_000 }));
    expect(again).toEqual({ addFinalizer: false, configMap: null, status: null, events: [] });
  });

  it('reports a rollout in progress while some pods run an older generation, without calling it degraded', () => {
    const plan = evaluate(input({ pods: [pod('a', 'profile/3'), pod('b', 'profile/2')] }));
    expect(plan.status?.targets).toEqual({ desired: 2, applied: 1 });
    expect(condition(plan, 'PolicyApplied')).toMatchObject({ status: 'False', reason: Reason.RolloutInProgress });
    expect(condition(plan, 'Ready')).toMatchObject({ status: 'False', reason: Reason.RolloutInProgress });
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'False' });
  });

  it('calls a missing target degraded and names it', () => {
    const plan = evaluate(input({ workload: undefined, pods: [] }));
    expect(condition(plan, 'Degraded')).toMatchObject({ status: 'True', reason: Reason.TargetNotFound });
    expect(condition(plan, 'Ready')?.message).toBe('Deployment profile does not exist in this namespace');
  });

  it('ignores terminating and finished pods when counting applied targets', () => {
    const gone = { ...pod('c', 'profile/3'), metadata: { ...pod('c', 'profile/3').metadata, deletionTimestamp: 'x' } };
    const done: PodObject = { ...pod('d', 'profile/3'), status: { phase: 'Succeeded' } };
    expect(evaluate(input({ pods: [pod('a', 'profile/3'), gone, done] })).status?.targets).toEqual({ desired: 2, applied: 1 });
  });

  it('marks Redis unknown when the policy does not manage it, and unavailable when its StatefulSet has no ready pod', () => {
    expect(condition(evaluate(input()), 'RedisAvailable')).toMatchObject({ status: 'Unknown', reason: Reason.RedisNotManaged });
    const withRedis = policy((p) => (p.spec.redis = { statefulSetRef: { name: 'redis' } }));
    const sts: WorkloadObject = { metadata: { name: 'redis', namespace: 'shop' }, spec: { selector: {} }, status: { readyReplicas: 0 } };
    const plan = evaluate(input({ policy: withRedis, redis: sts }));
    expect(condition(plan, 'RedisAvailable')).toMatchObject({ status: 'False', reason: Reason.RedisNoReadyReplicas });
    expect(condition(plan, 'Ready')).toMatchObject({ status: 'False', reason: Reason.RedisNoReadyReplicas });
  });

  it.each([
    [Reason.ClusterOk, 'True', 'True', 'False'],
    [Reason.ClusterDegraded, 'True', 'True', 'True'],
    [Reason.ClusterDown, 'False', 'False', 'True'],
  ])('reports a Redis Cluster the failover controller observed as %s (RedisAvailable %s, Ready %s, Degraded %s)', (reason, available, ready, degraded) => {
    const p = policy((x) => {
      x.spec.redis = { statefulSetRef: { name: 'redis' }, mode: 'cluster' };
      x.status = { redis: { cluster: { reason, message: 'what it saw' } } };
    });
    const sts: WorkloadObject = { metadata: { name: 'redis', namespace: 'shop' }, spec: { selector: {} }, status: { readyReplicas: 6 } };
    const plan = evaluate(input({ policy: p, redis: sts }));
    expect(condition(plan, 'RedisAvailable')).toMatchObject({ status: available, reason, message: 'Redis Cluster: what it saw' });
    expect(condition(plan, 'Ready')).toMatchObject({ status: ready });
    expect(condition(plan, 'Degraded')).toMatchObject({ status: degraded });
  });

  it('judges a Redis Cluster by its StatefulSet until the failover controller has observed it', () => {
    const p = policy((x) => (x.spec.redis = { statefulSetRef: { name: 'redis' }, mode: 'cluster' }));
    const sts: WorkloadObject = { metadata: { name: 'redis', namespace: 'shop' }, spec: { selector: {} }, status: { readyReplicas: 6 } };
    expect(condition(evaluate(input({ policy: p, redis: sts })), 'RedisAvailable')).toMatchObject({ status: 'True', reason: Reason.RedisReady });
  });

  it('adds the finalizer when it is missing', () => {
    expect(evaluate(input({ policy: policy((p) => (p.metadata.finalizers = [])) })).addFinalizer).toBe(true);
  });

  it('carries the Redis primary from status into the rendering, so services reconnect when it moves', () => {
    const p = policy((x) => (x.status = { redis: { primary: 'redis-1', promotions: 2 } }));
    const doc = JSON.parse(evaluate(input({ policy: p })).configMap?.data?.[POLICY_KEY] ?? '{}');
    expect(doc.redis).toEqual({ primary: 'redis-1', epoch: 2 });
  });
});

describe('mergeConditions', () => {
  it('keeps lastTransitionTime when the status stays and moves it when the status flips', () => {
    const old = [{ type: 'Ready', status: 'True' as const, reason: 'Ready', message: 'm', lastTransitionTime: '2025-01-01T00:00:00Z' }];
    const same = mergeConditions(old, [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'new' }], 1, NOW);
    expect(same[0]?.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
    const flipped = mergeConditions(old, [{ type: 'Ready', status: 'False', reason: Reason.TargetNotFound, message: 'm' }], 1, NOW);
    expect(flipped[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });
});
