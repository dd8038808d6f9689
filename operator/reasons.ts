/**
 * Reason constants: the one vocabulary of the operator, for both controllers. Each word is
 * spelled here once and used verbatim in Condition and Event reasons and in the `reason`
 * label of the failover metrics; the failover hold reasons are also headings in
 * runbooks/RedisPrimaryMissing.md — so an alert, a `kubectl describe` and the runbook use
 * the same word.
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
  /** spec.redis.mode is cluster: every node answers, cluster_state is ok and every slot is served by a healthy node. */
  ClusterOk: 'ClusterOk',
  /**
   * The Redis Cluster serves every slot, but not from full health: a node does not answer or
   * sees the cluster failed, slots are flagged PFAIL/FAIL or unassigned. Redis Cluster repairs
   * itself (it fails over by itself); the operator only reports it.
   */
  ClusterDegraded: 'ClusterDegraded',
  /** No node of the Redis Cluster answers with cluster_state:ok: the cache tier is down for the services. */
  ClusterDown: 'ClusterDown',
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

/** The state the failover controller reports for a Redis Cluster (status.redis.cluster.reason). */
export type ClusterReason = typeof Reason.ClusterOk | typeof Reason.ClusterDegraded | typeof Reason.ClusterDown;
export const CLUSTER_REASONS: readonly ClusterReason[] = [Reason.ClusterOk, Reason.ClusterDegraded, Reason.ClusterDown];

/** A named pure check's verdict. */
export interface Verdict {
  readonly ok: boolean;
  readonly reason: Reason;
  readonly message: string;
}

// The Redis failover controller (operator/failover).

/** Why a promotion starts: `herdguard_redis_promotions_total{reason}` and the promotion record. */
export const PromotionReason = {
  /** The primary failed health checks for detectAfter (or its pod went away and PINGs fail). */
  PrimaryLost: 'PrimaryLost',
  /** The primary's pod is being deleted or restarted on purpose: switch over with FAILOVER first. */
  Planned: 'Planned',
} as const;
export type PromotionReason = (typeof PromotionReason)[keyof typeof PromotionReason];

/** Why the brain did not promote, or why a step was skipped. Shown in Events and logs. */
export const HoldReason = {
  /** Every Redis pod is unreachable: the operator may be the one cut off, so it does nothing. */
  Isolated: 'AllRedisUnreachable',
  /** The primary missed checks, but not yet for detectAfter. */
  Suspect: 'PrimarySuspect',
  /** The primary is lost and no replica can take over (none reachable, or all priority 0). */
  NoCandidate: 'NoPromotableReplica',
  /** The old primary answered again before anything was changed: the promotion is cancelled. */
  PrimaryBack: 'PrimaryReturned',
  /** The chosen replica became unreachable mid-promotion: a new candidate is chosen. */
  CandidateLost: 'CandidateLost',
  /** Failover is disabled in the policy. */
  Disabled: 'FailoverDisabled',
  /** The operator lost the primary, but no majority of observers (replicas' links included) agrees. */
  NoQuorum: 'NoQuorum',
  /** A majority agrees, but the old primary may still take writes until its fence bound has passed. */
  AwaitingFence: 'AwaitingFence',
  /** The old primary ran unfenced (survivor mode) and may be alive: promoting would make two writers. */
  Unfenced: 'PrimaryNotFenced',
  /** The primary's port accepts connections but Redis answers nothing: it may wake up as a primary, so only its restart allows a promotion. */
  Hung: 'PrimaryHung',
} as const;
export type HoldReason = (typeof HoldReason)[keyof typeof HoldReason];

/** Event reasons for the things the brain changes. */
export const EventReason = {
  PromotionStarted: 'PromotionStarted',
  PromotionCompleted: 'PromotionCompleted',
  PromotionAborted: 'PromotionAborted',
  ReplicaRepointed: 'ReplicaRepointed',
  PrimaryAdopted: 'PrimaryAdopted',
  ColdRedis: 'ColdRedis',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];
