/**
 * The pure heart of the CachePolicy reconcile: from one Input, the ConfigMap to apply (if
 * any), the status to write (if it changed) and the Events for condition transitions.
 */
import { canonical } from '../../lib/2-kube/canonical.js';
import { FINALIZER } from '../../lib/3-policy/names.js';
import { ConditionType, Reason, type Verdict } from '../reasons.js';
import { checkRedis, checkTargetApplied, countTargets } from './checks.js';
import type { PolicyInput } from './input.js';
import { configMapUpToDate, desiredConfigMap } from './render.js';
import type { CachePolicyStatus, Condition, ConditionStatus } from '../../lib/3-policy/objects.js';

export interface PolicyEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface PolicyPlan {
  readonly addFinalizer: boolean;
  /** The ConfigMap to server-side apply, or null when the live one is current. */
  readonly configMap: ReturnType<typeof desiredConfigMap> | null;
  /** The status fields this controller owns, or null when they are unchanged. */
  readonly status: CachePolicyStatus | null;
  readonly events: readonly PolicyEvent[];
}

const cond = (type: string, status: ConditionStatus, v: Pick<Verdict, 'reason' | 'message'>) => ({
  type,
  status,
  reason: v.reason,
  message: v.message,
});

type Draft = ReturnType<typeof cond>;

export function desiredConditions(input: PolicyInput): Draft[] {
  const target = checkTargetApplied(input);
  const redis = checkRedis(input);
  const redisStatus: ConditionStatus = !redis.managed ? 'Unknown' : redis.ok ? 'True' : 'False';
  const blocking = [target, redis].find((v) => !v.ok);
  // A degraded Redis Cluster still serves (Ready stays True) but is reported as Degraded.
  const degraded = [target, redis].find((v) => !v.ok && v.reason !== Reason.RolloutInProgress) ?? (redis.degraded ? redis : undefined);
  return [
    cond(ConditionType.Ready, blocking ? 'False' : 'True', blocking ?? { reason: Reason.Ready, message: 'rendered and applied by every target pod' }),
    cond(ConditionType.PolicyApplied, target.ok ? 'True' : 'False', target),
    cond(ConditionType.RedisAvailable, redisStatus, redis),
    cond(ConditionType.Degraded, degraded ? 'True' : 'False', degraded ?? { reason: Reason.AsExpected, message: 'nothing is wrong' }),
  ];
}

/** Keeps lastTransitionTime where status did not change (metav1.Condition semantics). */
export function mergeConditions(old: readonly Condition[], drafts: Draft[], generation: number, now: number): Condition[] {
  const at = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return drafts.map((d) => {
    const prev = old.find((c) => c.type === d.type);
    const lastTransitionTime = prev && prev.status === d.status ? prev.lastTransitionTime : at;
    return { ...d, observedGeneration: generation, lastTransitionTime };
  });
}

export function transitionEvents(old: readonly Condition[], next: readonly Condition[]): PolicyEvent[] {
  const events: PolicyEvent[] = [];
  for (const c of next) {
    const prev = old.find((p) => p.type === c.type);
    if (prev && prev.status === c.status && prev.reason === c.reason) continue;
    if (!prev && c.status === 'Unknown') continue;
    const bad = c.type === ConditionType.Degraded ? c.status === 'True' : c.status === 'False';
    events.push({ type: bad ? 'Warning' : 'Normal', reason: c.reason, message: `${c.type}=${c.status}: ${c.message}` });
  }
  return events;
}

const owned = (s: CachePolicyStatus | undefined): CachePolicyStatus => ({
  observedGeneration: s?.observedGeneration,
  conditions: s?.conditions ?? [],
  configMap: s?.configMap,
  targets: s?.targets,
});

export function evaluate(input: PolicyInput): PolicyPlan {
  const p = input.policy;
  const generation = p.metadata.generation ?? 0;
  const cm = desiredConfigMap(p);
  const oldConditions = p.status?.conditions ?? [];
  const conditions = mergeConditions(oldConditions, desiredConditions(input), generation, input.now);
  const next: CachePolicyStatus = {
    observedGeneration: generation,
    conditions,
    configMap: cm.metadata.name,
    targets: countTargets(input),
  };
  const changed = canonical(owned(p.status)) !== canonical(owned(next));
  const events = transitionEvents(oldConditions, conditions);
  const rendered = configMapUpToDate(input.configMap, cm) ? null : cm;
  if (rendered) events.unshift({ type: 'Normal', reason: Reason.PolicyRendered, message: `generation ${generation} rendered into ConfigMap ${cm.metadata.name}` });
  return {
    addFinalizer: !(p.metadata.finalizers ?? []).includes(FINALIZER),
    configMap: rendered,
    status: changed ? next : null,
    events,
  };
}
