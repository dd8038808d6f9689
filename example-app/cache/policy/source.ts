/**
 * Where a service's live policy comes from: a mounted or local file, or the operator's
 * ConfigMap through the API. Both deliver the same parsed policy; an invalid update is
 * refused, logged and counted, and the last good policy stays in force.
 */
import type { CachePolicy, RenderedPolicy } from './types.js';

export interface PolicyUpdate {
  readonly policy: CachePolicy;
  readonly rendered: RenderedPolicy | null;
}

export interface PolicySource {
  /** Delivers the current policy, then every valid change. Resolves once the first policy is delivered. */
  start(onUpdate: (u: PolicyUpdate) => void): Promise<void>;
  stop(): Promise<void>;
}

/** Stable reasons for `herdguard_policy_reload_errors_total{reason}`. */
export const PolicyReloadError = {
  Unreadable: 'unreadable',
  Invalid: 'invalid',
  Missing: 'missing',
} as const;
export type PolicyReloadReason = (typeof PolicyReloadError)[keyof typeof PolicyReloadError];
