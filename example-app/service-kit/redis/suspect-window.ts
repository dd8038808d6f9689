/**
 * Which writes a promotion may have lost. Replication is asynchronous: a write the old
 * primary acknowledged may never have reached the replica that took over
 * (docs/adr/0004-redis-promotion.md).
 */
import type { FailoverTiming } from './settings.js';

/** Async replication lag, plus clock skew between the pods that stamp entries: margin before the loss. */
export const REPLICATION_LAG_MARGIN_MS = 1000;

/** [from, to) in Unix ms. */
export type SuspectWindow = readonly [from: number, to: number];

/**
 * When writes may have been lost with the old primary: from the moment this service lost
 * it (or, if it never noticed, the earliest the operator could have declared it lost),
 * less the replication-lag margin, until the moment the service learned of the promotion.
 * Entries created before that were replicated long ago; refetching them all would be a
 * cold start for the origin.
 */
export function suspectWindow(learnedAt: number, lostAt: number | null, timing: FailoverTiming): SuspectWindow {
  const declared = learnedAt - timing.detectAfterMs - 2 * timing.checkIntervalMs;
  return [Math.min(lostAt ?? declared, declared) - REPLICATION_LAG_MARGIN_MS, learnedAt];
}
