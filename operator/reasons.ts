/**
 * Reason constants: the one vocabulary of the operator. Each appears as a Condition reason,
 * an Event reason, the `result` label of herdguard_operator_reconcile_total where it ends a
 * reconcile, and a heading in runbooks/ — so an alert, a `kubectl describe` and the runbook
 * use the same word.
 */
export const ConditionType = {
  Ready: 'Ready',
  PolicyApplied: 'PolicyApplied',
  RedisAvailable: 'RedisAvailable',
  Degraded: 'Degraded',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  /** Rendered, and every target pod runs the current generation. */
  Ready: 'Ready',
  /** Every ready target pod reports the current generation in herdguard.io/applied-generation. */
  AllTargetsApplied: 'AllTargetsApplied',
  /** Some target pods still run an older generation; normal for a few seconds after a change. */
  RolloutInProgress: 'RolloutInProgress',
  /**
   * Some target pods refused the current generation (herdguard.io/policy-refused): invalid for
   * that service, or its onUpdate rejected it. They keep their last good policy.
   */
  PolicyRefused: 'PolicyRefused',
  /** spec.targetRef names a Deployment/StatefulSet that does not exist in the namespace. */
  TargetNotFound: 'TargetNotFound',
  /** The target asks for zero replicas: nothing to apply to. */
  NoReplicas: 'NoReplicas',
  /** spec.redis.statefulSetRef is unset: this policy does not manage Redis. */
  RedisNotManaged: 'RedisNotManaged',
  /** The Redis StatefulSet named in spec.redis.statefulSetRef does not exist. */
  RedisNotFound: 'RedisNotFound',
  /** The Redis StatefulSet has no ready pod. */
  RedisNoReadyReplicas: 'RedisNoReadyReplicas',
  /** The Redis StatefulSet has ready pods. */
  RedisReady: 'RedisReady',
  /** Nothing is wrong beyond a rollout in progress. */
  AsExpected: 'AsExpected',
  /** The policy was rendered into its ConfigMap (Event). */
  PolicyRendered: 'PolicyRendered',
  /** The rendered ConfigMap was removed because the CachePolicy is being deleted (Event). */
  CleanedUp: 'CleanedUp',
  /** A write to the API failed; the reconcile is retried with backoff. */
  ApiError: 'ApiError',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** A named pure check's verdict. */
export interface Verdict {
  readonly ok: boolean;
  readonly reason: Reason;
  readonly message: string;
}
