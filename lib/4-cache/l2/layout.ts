/**
 * Where one logical cache key lives in Redis. Standalone: the value under the caller's key
 * as-is, the lease and hot-key copies under suffixed names next to it (lease/keys.ts).
 *
 * Cluster: every script touches one slot, so the value, lease and epoch keys of one logical
 * key share a hash tag; a hot key's copies deliberately do not: copy c is placed in a slot
 * band a golden-ratio step away from the value's, so n copies spread over the slot space and
 * with it over the shards (each owns contiguous ranges). ADR 0014.
 */
import { createHash } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { EPOCH_KEY, leaseKey, replicaKey } from '../lease/keys.js';

export type L2Mode = 'standalone' | 'cluster';

export interface KeyLayout {
  readonly mode: L2Mode;
  /** Copy 0 (the key itself) or hot-key copy 1..n-1. */
  copy(key: string, copy: number): string;
  lease(key: string): string;
  /** The failover epoch the fencing scripts compare tokens with (lease/scripts.ts). */
  epoch(key: string): string;
}

export const STANDALONE_LAYOUT: KeyLayout = {
  mode: 'standalone',
  copy: replicaKey,
  lease: leaseKey,
  epoch: () => EPOCH_KEY,
};

const SLOTS = 16_384;
const BANDS = 256;
const BAND_WIDTH = SLOTS / BANDS;
const GOLDEN = 0.618_033_988_749_895;

/** For each band of 64 slots, a short brace-free tag whose slot falls in it (found once, at load). */
const BAND_TAGS: readonly string[] = (() => {
  const tags: Array<string | undefined> = new Array<string | undefined>(BANDS);
  let found = 0;
  for (let n = 0; found < BANDS; n++) {
    const tag = `r${n.toString(36)}`;
    const band = Math.floor(calculateSlot(tag) / BAND_WIDTH);
    if (tags[band] === undefined) {
      tags[band] = tag;
      found++;
    }
  }
  return tags as string[];
})();

/**
 * The hash tag of a logical key: the key itself when it can be one (non-empty, no braces,
 * which would end or open the tag early), else a digest of it (same slot for all its names).
 */
export function hashTag(key: string): string {
  return key !== '' && !/[{}]/.test(key) ? key : `h${createHash('sha1').update(key).digest('hex').slice(0, 16)}`;
}

export const CLUSTER_LAYOUT: KeyLayout = {
  mode: 'cluster',
  copy(key, copy) {
    const tag = hashTag(key);
    const value = tag === key ? `{${key}}` : `{${tag}}:${key}`;
    if (copy === 0) return value;
    const band = (Math.floor(calculateSlot(value) / BAND_WIDTH) + Math.round(copy * GOLDEN * BANDS)) % BANDS;
    return `{${BAND_TAGS[band] as string}}hg-replica:${copy}:${key}`;
  },
  lease: (key) => `hg:lease:{${hashTag(key)}}`,
  // Redis Cluster fails over by itself and no operator raises an epoch on it: this key is
  // never set, so every token carries epoch 0 and the lease holder alone fences writes.
  epoch: (key) => `hg:epoch:{${hashTag(key)}}`,
};

export const slotOf = (name: string): number => calculateSlot(name);
