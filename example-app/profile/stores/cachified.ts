/**
 * The profile store on @epic-web/cachified with its own best stampede protection:
 * in-process de-duplication of in-flight fetches (built in, per cache object),
 * stale-while-revalidate = the policy's staleWhileRevalidate, and `fallbackToCache`
 * = staleIfError. Redis is the only tier (cachified has no L1/L2 stack and no
 * cross-process lock), through the ioredis adapter in cachified-redis.ts.
 */
import { cachified, createCacheEntry, type Cache } from '@epic-web/cachified';
import type { Redis } from 'ioredis';
import type { CachePolicy, KeyspacePolicy } from '../../../lib/3-policy/types.js';
import type { ProfileDb } from '../db.js';
import type { Profile, ProfilePatch } from '../model.js';
import { redisCacheAdapter } from './cachified-redis.js';
import { forEachLimited, isMissing, MISSING, ProfileNotFoundError, userKey, userKeyspace, type Missing, type ProfileStore } from './store.js';

export interface CachifiedStoreOptions {
  readonly db: ProfileDb;
  readonly redis: Redis;
  readonly policy: CachePolicy;
  /** Injected clock for entry creation times; the warm script pins it. */
  readonly now?: () => number;
}

export class CachifiedProfileStore implements ProfileStore {
  readonly impl = 'cachified' as const;
  private readonly cache: Cache;
  private ks: KeyspacePolicy;

  constructor(private readonly opts: CachifiedStoreOptions) {
    this.cache = redisCacheAdapter(opts.redis);
    this.ks = userKeyspace(opts.policy);
  }

  async get(id: number): Promise<Profile> {
    const ks = this.ks;
    const v = await cachified<Profile | Missing>({
      key: userKey(id),
      cache: this.cache,
      ttl: ks.ttlMs,
      staleWhileRevalidate: ks.staleWhileRevalidateMs,
      fallbackToCache: ks.staleIfErrorMs,
      getFreshValue: async (ctx) => {
        const p = await this.opts.db.getById(id);
        if (p) return p;
        // Negative caching: a shorter TTL for "does not exist" (0 caches nothing useful).
        ctx.metadata.ttl = Math.max(1, ks.negativeTtlMs);
        ctx.metadata.swr = 0;
        return MISSING;
      },
    });
    if (isMissing(v)) throw new ProfileNotFoundError(id);
    return v;
  }

  async update(id: number, patch: ProfilePatch): Promise<Profile> {
    const updated = await this.opts.db.update(id, patch);
    if (!updated) throw new ProfileNotFoundError(id);
    await this.cache.set(userKey(id), this.entry(updated));
    return updated;
  }

  async prime(profiles: readonly Profile[]): Promise<void> {
    await forEachLimited(profiles, 64, async (p) => {
      await this.cache.set(userKey(p.id), this.entry(p));
    });
  }

  private entry(p: Profile) {
    return createCacheEntry(p, {
      ttl: this.ks.ttlMs,
      swr: this.ks.staleWhileRevalidateMs,
      createdTime: (this.opts.now ?? Date.now)(),
    });
  }

  applyPolicy(policy: CachePolicy): void {
    this.ks = userKeyspace(policy);
  }

  async close(): Promise<void> {
    // The Redis connection belongs to the caller.
  }
}
