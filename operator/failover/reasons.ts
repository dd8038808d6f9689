/**
 * Reason strings of the failover brain. Each is used verbatim in Conditions, Events,
 * `herdguard_redis_promotions_total{reason}` and runbook headings, so they are named once.
 */
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
