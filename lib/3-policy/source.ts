/**
 * Where a service's live policy comes from: a mounted or local file, or the operator's
 * ConfigMap through the API. Both deliver the same parsed policy; an update that is invalid,
 * or that the service cannot apply, is refused the same way by both (outcomes.ts): logged,
 * counted, reported to the operator, and the last good policy stays in force.
 */
import type { CachePolicy, RenderedPolicy } from './types.js';

export interface PolicyUpdate {
  readonly policy: CachePolicy;
  readonly rendered: RenderedPolicy | null;
}

export interface PolicySource {
  /**
   * Delivers the current policy, then every valid change. Resolves once the first policy is
   * applied. `onUpdate` may throw to refuse a policy the service cannot apply.
   */
  start(onUpdate: (u: PolicyUpdate) => void): Promise<void>;
  stop(): Promise<void>;
}

/** Stable reasons for `herdguard_policy_reload_errors_total{reason}`. */
export const PolicyReloadError = {
  Unreadable: 'unreadable',
  Invalid: 'invalid',
  Missing: 'missing',
  /** Valid, but the service's onUpdate refused it (e.g. no keyspace covers its keys). */
  Rejected: 'rejected',
} as const;
export type PolicyReloadReason = (typeof PolicyReloadError)[keyof typeof PolicyReloadError];

/** Which policy generation an outcome is about. */
export interface PolicyIdentity {
  readonly policy: string;
  readonly generation: number;
}

export type PolicyOutcome =
  | (PolicyIdentity & { readonly kind: 'applied' })
  | (PolicyIdentity & { readonly kind: 'refused'; readonly reason: PolicyReloadReason; readonly message: string });

/** Tells the operator what this process did with a generation (pod-report.ts writes it on the Pod). */
export interface PolicyReporter {
  report(outcome: PolicyOutcome): Promise<void>;
}
