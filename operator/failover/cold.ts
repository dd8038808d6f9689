/**
 * Cold Redis: every copy lost, so the primary's key count collapses. The operator then asks
 * the services to warm their own hottest keys at the policy rate (they hold the hot-key
 * trackers; the operator only knows that the cache is empty): a WarmupRequest
 * (lib/3-policy/warmup.ts).
 */
import type { WarmupPolicy } from '../../lib/3-policy/types.js';
import type { WarmupRequest } from '../../lib/3-policy/warmup.js';

/** Below this many keys before the drop, an empty Redis is just a quiet one. */
export const COLD_MIN_KEYS = 100;
/** A drop to this share of the previous count (or below) counts as a collapse. */
export const COLD_RATIO = 0.1;

export function collapsed(previousKeys: number | null, keys: number): boolean {
  return previousKeys !== null && previousKeys >= COLD_MIN_KEYS && keys <= previousKeys * COLD_RATIO;
}

export function warmupRate(fleetRatePerSecond: number, instances: number): number {
  return Math.max(1, Math.floor(fleetRatePerSecond / Math.max(1, instances)));
}

/** The request for one cold start: the policy's fleet rate shared by `instances`, its top keys. */
export function warmupRequest(w: Pick<WarmupPolicy, 'ratePerSecond' | 'topKeys'>, instances: number, id: string, now: number): WarmupRequest {
  return { id, requestedAt: now, ratePerSecondPerInstance: warmupRate(w.ratePerSecond, instances), topKeys: w.topKeys };
}
