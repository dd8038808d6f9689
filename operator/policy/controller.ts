/**
 * The CachePolicy controller. A reconcile reads the policy and everything it depends on
 * from the informer caches, evaluates a plan purely (evaluate.ts), and writes only what
 * differs: finalizer, rendered ConfigMap (server-side apply), status, Events.
 */
import type { Gauge } from 'prom-client';
import type { Controller, ReconcileContext, ReconcileOutcome, SetupContext } from '../controller.js';
import { isNotFound } from '../../lib/2-kube/errors.js';
import type { Informer } from '../../lib/2-kube/informer.js';
import { objectKey, resources, splitKey, type KubeObject } from '../../lib/2-kube/resources.js';
import { FIELD_MANAGER, FINALIZER, MANAGED_BY_LABEL, POLICY_LABEL, renderedConfigMapName } from '../../lib/3-policy/names.js';
import { Reason } from '../reasons.js';
import { evaluate, type PolicyPlan } from './evaluate.js';
import type { PolicyInput } from './input.js';
import { selectorMatches } from './selector.js';
import type { CachePolicyObject, ConfigMapObject, PodObject, WorkloadObject } from '../../lib/3-policy/objects.js';

const DONE: ReconcileOutcome = { result: 'success' };

export class CachePolicyController implements Controller {
  readonly name = 'cachepolicy';
  readonly workers = 4;
  private policies!: Informer<CachePolicyObject>;
  private configMaps!: Informer<ConfigMapObject>;
  private pods!: Informer<PodObject>;
  private deployments!: Informer<WorkloadObject>;
  private statefulSets!: Informer<WorkloadObject>;
  /**
   * Resource versions our own writes superseded, per policy key: while the cache still shows
   * one of them, it lags behind our write, and acting on it would repeat Events.
   */
  private readonly superseded = new Map<string, { policy?: string; configMap?: string | null }>();

  /**
   * @param desiredGeneration `herdguard_policy_generation_desired{policy}`: the generation each
   * policy asks for, which the PolicyNotApplied alert compares with what the pods applied.
   */
  constructor(private readonly desiredGeneration?: Gauge<'policy'>) {}

  setup(ctx: SetupContext): void {
    this.policies = ctx.informer(resources.cachePolicies);
    this.configMaps = ctx.informer(resources.configMaps, { labelSelector: `${MANAGED_BY_LABEL}=${FIELD_MANAGER}` });
    this.pods = ctx.informer(resources.pods);
    this.deployments = ctx.informer(resources.deployments);
    this.statefulSets = ctx.informer(resources.statefulSets);
    const each = <T extends KubeObject>(inf: Informer<T>, keys: (o: T) => string[], relevant?: (a: T, b: T) => boolean) =>
      inf.on({
        onAdd: (o) => keys(o).forEach((k) => ctx.enqueue(k)),
        onUpdate: (a, b) => (!relevant || relevant(a, b)) && keys(b).forEach((k) => ctx.enqueue(k)),
        onDelete: (o) => keys(o).forEach((k) => ctx.enqueue(k)),
      });
    each(this.policies, (p) => [objectKey(p)]);
    each(this.configMaps, (c) => {
      const policy = c.metadata.labels?.[POLICY_LABEL];
      return policy ? [`${c.metadata.namespace ?? ''}/${policy}`] : [];
    });
    each(this.pods, (p) => this.policiesForPod(p), podChanged);
    each(this.deployments, (d) => this.policiesForWorkload('Deployment', d));
    each(this.statefulSets, (s) => this.policiesForWorkload('StatefulSet', s));
  }

  allKeys(): string[] {
    return this.policies.list().map(objectKey);
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileOutcome> {
    const policy = this.policies.get(key);
    if (!policy) {
      this.desiredGeneration?.remove({ policy: splitKey(key).name });
      return this.removeOrphan(key, ctx);
    }
    if (policy.metadata.deletionTimestamp) return this.finalize(key, policy, ctx);
    this.desiredGeneration?.set({ policy: policy.metadata.name }, policy.metadata.generation ?? 0);
    const input = this.gather(policy, ctx.clock.now());
    if (this.cacheLags(key, input)) return { result: 'requeue' }; // the watch event of our write re-queues it
    this.superseded.delete(key);
    await this.write(key, input, evaluate(input), ctx);
    return DONE;
  }

  /** Writes what the plan says differs, remembering which resource versions our writes superseded. */
  private async write(key: string, input: PolicyInput, plan: PolicyPlan, ctx: ReconcileContext): Promise<void> {
    const { namespace, name } = splitKey(key);
    const policy = input.policy;
    const seen: { policy?: string; configMap?: string | null } = {};
    let current = policy;
    if (plan.addFinalizer) {
      current = await ctx.client.mergePatch<CachePolicyObject>({ res: resources.cachePolicies, namespace, name }, {
        metadata: { finalizers: [...(policy.metadata.finalizers ?? []), FINALIZER], resourceVersion: policy.metadata.resourceVersion },
      });
    }
    if (plan.configMap) {
      const target = { res: resources.configMaps, namespace, name: plan.configMap.metadata.name };
      const written = await ctx.client.apply<ConfigMapObject>(target, plan.configMap, FIELD_MANAGER);
      const before = input.configMap?.metadata.resourceVersion;
      if (written.metadata.resourceVersion !== before) seen.configMap = before ?? null;
    }
    if (plan.status) {
      current = await ctx.client.mergePatch<CachePolicyObject>(
        { res: resources.cachePolicies, namespace, name, subresource: 'status' },
        { status: plan.status },
      );
    }
    if (current.metadata.resourceVersion !== policy.metadata.resourceVersion) seen.policy = policy.metadata.resourceVersion;
    if (seen.policy !== undefined || seen.configMap !== undefined) this.superseded.set(key, seen);
    for (const e of plan.events) await ctx.events.record(resources.cachePolicies, current, e);
  }

  private cacheLags(key: string, input: PolicyInput): boolean {
    const s = this.superseded.get(key);
    if (!s) return false;
    if (s.policy !== undefined && s.policy === input.policy.metadata.resourceVersion) return true;
    return s.configMap !== undefined && s.configMap === (input.configMap?.metadata.resourceVersion ?? null);
  }

  private gather(policy: CachePolicyObject, now: number): PolicyInput {
    const ns = policy.metadata.namespace ?? '';
    const { kind, name } = policy.spec.targetRef;
    const workloads = kind === 'Deployment' ? this.deployments : this.statefulSets;
    const workload = workloads.get(`${ns}/${name}`);
    const redisName = policy.spec.redis?.statefulSetRef?.name;
    return {
      policy,
      configMap: this.configMaps.get(`${ns}/${renderedConfigMapName(policy.metadata.name)}`),
      workload,
      pods: workload ? this.pods.list(ns).filter((p) => selectorMatches(workload.spec.selector, p.metadata.labels)) : [],
      redis: redisName ? this.statefulSets.get(`${ns}/${redisName}`) : undefined,
      now,
    };
  }

  /**
   * The policy is being deleted: remove its ConfigMap, then let it go. Only a ConfigMap the
   * labelled informer shows is ours: one of that name we did not create stays (the chart's
   * admission policy would refuse its deletion, and the finalizer would never go).
   */
  private async finalize(key: string, policy: CachePolicyObject, ctx: ReconcileContext): Promise<ReconcileOutcome> {
    const { namespace, name } = splitKey(key);
    const ours = this.configMaps.get(`${namespace}/${renderedConfigMapName(name)}`) !== undefined;
    // We created it, but its watch event has not arrived yet: wait for it rather than leave it behind.
    if (!ours && this.superseded.get(key)?.configMap === null) return { result: 'requeue' };
    this.superseded.delete(key);
    if (!(policy.metadata.finalizers ?? []).includes(FINALIZER)) return DONE;
    if (ours) {
      await this.deleteConfigMap(namespace, name, ctx);
      await ctx.events.record(resources.cachePolicies, policy, {
        type: 'Normal',
        reason: Reason.CleanedUp,
        message: `ConfigMap ${renderedConfigMapName(name)} deleted`,
      });
    }
    await ctx.client.mergePatch({ res: resources.cachePolicies, namespace, name }, {
      metadata: {
        finalizers: (policy.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
        resourceVersion: policy.metadata.resourceVersion,
      },
    });
    return DONE;
  }

  /** Gone without our finalizer running (e.g. removed by hand): do not leave its ConfigMap behind. */
  private async removeOrphan(key: string, ctx: ReconcileContext): Promise<ReconcileOutcome> {
    this.superseded.delete(key);
    const { namespace, name } = splitKey(key);
    if (this.configMaps.get(`${namespace}/${renderedConfigMapName(name)}`)) await this.deleteConfigMap(namespace, name, ctx);
    return DONE;
  }

  private async deleteConfigMap(namespace: string, policy: string, ctx: ReconcileContext): Promise<void> {
    try {
      await ctx.client.delete({ res: resources.configMaps, namespace, name: renderedConfigMapName(policy) });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private policiesForPod(pod: PodObject): string[] {
    const ns = pod.metadata.namespace ?? '';
    return this.policies.list(ns).filter((p) => {
      const { kind, name } = p.spec.targetRef;
      const w = (kind === 'Deployment' ? this.deployments : this.statefulSets).get(`${ns}/${name}`);
      return w !== undefined && selectorMatches(w.spec.selector, pod.metadata.labels);
    }).map(objectKey);
  }

  private policiesForWorkload(kind: 'Deployment' | 'StatefulSet', w: WorkloadObject): string[] {
    const ns = w.metadata.namespace ?? '';
    return this.policies
      .list(ns)
      .filter(
        (p) =>
          (p.spec.targetRef.kind === kind && p.spec.targetRef.name === w.metadata.name) ||
          (kind === 'StatefulSet' && p.spec.redis?.statefulSetRef?.name === w.metadata.name),
      )
      .map(objectKey);
  }
}

/** Pod status churns (probes, IPs); only these fields change what a policy reports. */
function podChanged(a: PodObject, b: PodObject): boolean {
  return (
    a.status?.phase !== b.status?.phase ||
    a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
    JSON.stringify(a.metadata.annotations ?? {}) !== JSON.stringify(b.metadata.annotations ?? {}) ||
    JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {})
  );
}
