/**
 * How long a background refresh may wait behind serving, and how many may run: the two
 * numbers the cache hands its BackgroundQueue (docs/adr/0012-paced-background-refresh.md).
 */
import type { Envelope } from '../cache/envelope.js';
import type { OriginPolicy } from '../../3-policy/types.js';

export type RefreshReason = 'early' | 'stale' | 'revalidate';

/**
 * Half of what is left of the time `seen` may still be served: until its expiry for an early
 * refresh, until the end of staleWhileRevalidate for a stale one. The other half is the
 * refresh's own (the origin's queue and the call). Revalidation after a promotion, and an entry
 * served stale only because it was written around one (still before its expiry), wait for nothing.
 */
export function refreshDueInMs(reason: RefreshReason, seen: Envelope, now: number, staleWhileRevalidateMs: number): number {
  if (reason === 'revalidate' || (reason === 'stale' && now < seen.e)) return 0;
  const servableUntil = reason === 'early' ? seen.e : seen.e + staleWhileRevalidateMs;
  return Math.max(0, (servableUntil - now) / 2);
}

/** Refreshes hold at most half the origin guard's slots: the other half stays for misses. */
export function backgroundConcurrency(origin: OriginPolicy): number {
  return Math.max(1, Math.floor(origin.maxConcurrency / 2));
}
