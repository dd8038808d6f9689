/**
 * The cache backend behind the profile routes. Three implementations answer the same
 * interface so the herd lab compares like with like: herdguard (this project's library),
 * bentocache and @epic-web/cachified, each with its own best stampede protection.
 */
import { keyspaceFor } from '../../../lib/3-policy/load.js';
import type { CachePolicy, KeyspacePolicy } from '../../../lib/3-policy/types.js';
import type { Profile, ProfilePatch } from '../model.js';

export const CACHE_IMPLS = ['herdguard', 'bentocache', 'cachified'] as const;
export type CacheImpl = (typeof CACHE_IMPLS)[number];

/** The key of a profile; every store uses it so one warm script fits all. */
export const userKey = (id: number): string => `user:${id}`;
export const USER_PREFIX = 'user:';

/** The id does not exist in the database (possibly answered from the negative cache). */
export class ProfileNotFoundError extends Error {
  readonly code = 'E_PROFILE_NOT_FOUND';
  constructor(readonly id: number) {
    super(`user ${id} does not exist`);
    this.name = 'ProfileNotFoundError';
  }
}

export interface ProfileStore {
  readonly impl: CacheImpl;
  /** The profile, from cache or origin; ProfileNotFoundError when the id does not exist. */
  get(id: number): Promise<Profile>;
  /** Updates the database, then the cache (repopulate, never a bare delete: seed 001). */
  update(id: number, patch: ProfilePatch): Promise<Profile>;
  /** Writes known values into the cache (warm script and benchmark). */
  prime(profiles: readonly Profile[]): Promise<void>;
  applyPolicy(policy: CachePolicy): void;
  close(): Promise<void>;
}

/** The keyspace that governs `user:` keys; every policy the service accepts must have one. */
export function userKeyspace(policy: CachePolicy): KeyspacePolicy {
  const ks = keyspaceFor(policy, userKey(1));
  if (!ks) throw new Error(`policy "${policy.name}" has no keyspace covering "${USER_PREFIX}" keys`);
  return ks;
}

/** Marker cached for a missing id by the peers (herdguard has its own NOT_FOUND). */
export interface Missing {
  readonly missing: true;
}
export const MISSING: Missing = { missing: true };
export const isMissing = (v: unknown): v is Missing =>
  typeof v === 'object' && v !== null && (v as { missing?: unknown }).missing === true;

/** Runs `fn` over items with at most `limit` in flight. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
