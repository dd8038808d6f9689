/**
 * The value as stored in Redis (JSON) and in L1: the value plus what the read path needs to
 * decide freshness, early refresh and fencing without a second round trip.
 */
import type { KeyspacePolicy } from '../../3-policy/types.js';

export interface Envelope {
  /** The value; undefined for a negative (not-found) entry. */
  readonly v?: unknown;
  /** 1 when the origin said the key does not exist. */
  readonly nf?: 1;
  /** Created at, ms epoch. */
  readonly c: number;
  /** Logical expiry, ms epoch: after it the value is stale. */
  readonly e: number;
  /** δ: how long the last origin computation took, ms (XFetch). */
  readonly d: number;
  /** Fence token of the writer ('' when written without a lease). */
  readonly f: string;
}

export type Freshness = 'fresh' | 'stale-revalidate' | 'stale-if-error' | 'dead';

export function freshness(env: Envelope, now: number, ks: KeyspacePolicy): Freshness {
  if (now < env.e) return 'fresh';
  if (env.nf) return 'dead'; // a negative entry is never served stale
  const age = now - env.e;
  if (age < ks.staleWhileRevalidateMs) return 'stale-revalidate';
  if (age < ks.staleIfErrorMs) return 'stale-if-error';
  return 'dead';
}

/** Serving window after logical expiry: how long Redis must keep the entry. */
export function staleWindowMs(ks: KeyspacePolicy): number {
  return Math.max(ks.staleWhileRevalidateMs, ks.staleIfErrorMs);
}

export function encodeEnvelope(env: Envelope): string {
  return JSON.stringify(env);
}

/** Parses a stored envelope; null for anything that is not one (an unrelated or corrupt key reads as a miss). */
export function decodeEnvelope(text: string): Envelope | null {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const env = o as Envelope;
  return typeof env.c === 'number' && typeof env.e === 'number' && typeof env.d === 'number' ? env : null;
}
