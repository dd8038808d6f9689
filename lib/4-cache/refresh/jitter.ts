/**
 * TTL arithmetic. Jitter is uniform in [0, max) and shifts both the logical expiry and the
 * physical Redis TTL, so entries written together neither go stale nor vanish together.
 */
import type { KeyspacePolicy } from '../../3-policy/types.js';
import { staleWindowMs } from '../cache/envelope.js';

export function jitterMs(maxMs: number, random: () => number): number {
  return maxMs > 0 ? Math.floor(random() * maxMs) : 0;
}

export interface Lifetimes {
  /** Logical expiry, ms epoch. */
  readonly expiresAt: number;
  /** Physical Redis TTL, ms: logical ttl + jitter + the longer stale window. */
  readonly physicalTtlMs: number;
}

export function lifetimes(
  ks: KeyspacePolicy,
  now: number,
  negative: boolean,
  random: () => number,
): Lifetimes {
  const jitter = jitterMs(ks.jitterMaxMs, random);
  if (negative) {
    return { expiresAt: now + ks.negativeTtlMs + jitter, physicalTtlMs: ks.negativeTtlMs + jitter };
  }
  return { expiresAt: now + ks.ttlMs + jitter, physicalTtlMs: ks.ttlMs + jitter + staleWindowMs(ks) };
}
