/** Named pure checks over the gathered input; each returns a Verdict with a documented reason. */
import { POLICY_REFUSED_ANNOTATION, parseRefusalAnnotation, type Refusal } from '../../lib/3-policy/refusal.js';
import { APPLIED_GENERATION_ANNOTATION, appliedGenerationValue } from '../../lib/3-policy/names.js';
import { Reason, type Verdict } from '../reasons.js';
import type { PolicyInput } from './input.js';
import type { PodObject } from '../../lib/3-policy/objects.js';

const verdict = (ok: boolean, reason: Reason, message: string): Verdict => ({ ok, reason, message });

const live = (p: PodObject) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded';

export function countTargets(input: PolicyInput): { desired: number; applied: number } {
  if (!input.workload) return { desired: 0, applied: 0 };
  const want = appliedGenerationValue(input.policy.metadata.name, input.policy.metadata.generation ?? 0);
  const applied = input.pods.filter((p) => live(p) && p.metadata.annotations?.[APPLIED_GENERATION_ANNOTATION] === want);
  return { desired: input.workload.spec.replicas ?? 1, applied: applied.length };
}

/** Live target pods that refused the policy's current generation, with what each said. */
export function refusals(input: PolicyInput): Array<{ pod: string; refusal: Refusal }> {
  const { name, generation = 0 } = input.policy.metadata;
  return input.pods.filter(live).flatMap((p) => {
    const r = parseRefusalAnnotation(p.metadata.annotations?.[POLICY_REFUSED_ANNOTATION]);
    return r && r.policy === name && r.generation === generation ? [{ pod: p.metadata.name, refusal: r }] : [];
  });
}

export function checkTargetApplied(input: PolicyInput): Verdict {
  const { kind, name } = input.policy.spec.targetRef;
  if (!input.workload) return verdict(false, Reason.TargetNotFound, `${kind} ${name} does not exist in this namespace`);
  const { desired, applied } = countTargets(input);
  const gen = input.policy.metadata.generation ?? 0;
  if (desired === 0) return verdict(true, Reason.NoReplicas, `${kind} ${name} has no replicas to apply generation ${gen} to`);
  const refused = refusals(input);
  const first = refused[0];
  if (first) {
    return verdict(
      false,
      Reason.PolicyRefused,
      `${refused.length} of ${desired} pods of ${kind} ${name} refused generation ${gen} and keep their last good policy; ` +
        `pod ${first.pod} (${first.refusal.reason}): ${first.refusal.message}`,
    );
  }
  if (applied < desired) {
    return verdict(false, Reason.RolloutInProgress, `${applied} of ${desired} pods of ${kind} ${name} run generation ${gen}`);
  }
  return verdict(true, Reason.AllTargetsApplied, `all ${desired} pods of ${kind} ${name} run generation ${gen}`);
}

/**
 * managed=false: not managed by this policy (the condition is Unknown). degraded: available,
 * but not in full health (a Redis Cluster serving every slot with a node down).
 */
export function checkRedis(input: PolicyInput): Verdict & { managed: boolean; degraded?: boolean } {
  const ref = input.policy.spec.redis?.statefulSetRef?.name;
  if (!ref) return { ...verdict(true, Reason.RedisNotManaged, 'spec.redis.statefulSetRef is not set'), managed: false };
  if (!input.redis) return { ...verdict(false, Reason.RedisNotFound, `StatefulSet ${ref} does not exist in this namespace`), managed: true };
  const cluster = input.policy.spec.redis?.mode === 'cluster' ? clusterVerdict(input.policy.status?.redis?.cluster) : null;
  if (cluster) return { ...cluster, managed: true };
  const ready = input.redis.status?.readyReplicas ?? 0;
  if (ready === 0) return { ...verdict(false, Reason.RedisNoReadyReplicas, `StatefulSet ${ref} has no ready pod`), managed: true };
  return { ...verdict(true, Reason.RedisReady, `StatefulSet ${ref} has ${ready} ready pod(s)`), managed: true };
}

/**
 * What the failover controller observed of a Redis Cluster (status.redis.cluster), once it
 * has; before that, the StatefulSet's ready pods speak for it as for a standalone Redis.
 */
function clusterVerdict(c: { reason?: string; message?: string } | undefined): (Verdict & { degraded: boolean }) | null {
  const message = `Redis Cluster: ${c?.message ?? ''}`;
  switch (c?.reason) {
    case Reason.ClusterOk:
      return { ...verdict(true, Reason.ClusterOk, message), degraded: false };
    case Reason.ClusterDegraded:
      return { ...verdict(true, Reason.ClusterDegraded, message), degraded: true };
    case Reason.ClusterDown:
      return { ...verdict(false, Reason.ClusterDown, message), degraded: false };
    default:
      return null;
  }
}
