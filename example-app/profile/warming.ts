/**
 * Fills the cache with profiles read from PostgreSQL in batches (one multi-row statement
 * per batch, distinct from the origin read). With a store built on a pinned clock every
 * entry gets the same logical expiry: the synchronized-expiry baseline of seed 004.
 */
import type { ProfileDb } from './db.js';
import type { ProfileStore } from './stores/store.js';

export interface WarmOptions {
  readonly db: ProfileDb;
  readonly store: ProfileStore;
  readonly ids: readonly number[];
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export async function warmProfiles(o: WarmOptions): Promise<number> {
  const size = o.batchSize ?? 500;
  let done = 0;
  for (let i = 0; i < o.ids.length; i += size) {
    const profiles = await o.db.getMany(o.ids.slice(i, i + size));
    await o.store.prime(profiles);
    done += profiles.length;
    o.onProgress?.(done, o.ids.length);
  }
  return done;
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
