/**
 * The profile store on herdguard: L1 + Redis with jitter, single-flight, the fenced lease,
 * XFetch, SWR and negative caching, all as the live policy says. Updates go through
 * `cache.write`, which repopulates under the lease instead of deleting (seed 001).
 */
import type { RedisClient } from '../../../lib/4-cache/l2/redis-client.js';
import type { Registry } from 'prom-client';
import { createCache, NOT_FOUND, NotFoundError, type Cache } from '../../../lib/4-cache/index.js';
import type { Logger } from '../../../lib/1-ground/log.js';
import type { CachePolicy } from '../../../lib/3-policy/types.js';
import type { ProfileDb } from '../db.js';
import type { Profile, ProfilePatch } from '../model.js';
import { forEachLimited, ProfileNotFoundError, userKey, type ProfileStore } from './store.js';

export interface HerdguardStoreOptions {
  readonly db: ProfileDb;
  readonly redis: RedisClient | null;
  readonly policy: CachePolicy;
  readonly service: string;
  readonly registry: Registry;
  readonly logger?: Logger;
  /** Injected clock (ms since epoch); the warm script pins it so every expiry coincides. */
  readonly now?: () => number;
}

export class HerdguardStore implements ProfileStore {
  readonly impl = 'herdguard' as const;
  readonly cache: Cache;

  constructor(private readonly opts: HerdguardStoreOptions) {
    this.cache = createCache({
      service: opts.service,
      redis: opts.redis,
      policy: opts.policy,
      originName: 'postgres',
      registry: opts.registry,
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.now ? { clock: { now: opts.now } } : {}),
    });
  }

  async get(id: number): Promise<Profile> {
    try {
      return await this.cache.get<Profile>(userKey(id), async () => (await this.opts.db.getById(id)) ?? NOT_FOUND);
    } catch (err) {
      if (err instanceof NotFoundError) throw new ProfileNotFoundError(id);
      throw err;
    }
  }

  async update(id: number, patch: ProfilePatch): Promise<Profile> {
    // The writer runs under the key's lease: DB first, then the cache is repopulated with
    // the returned row, so readers never see a hole or an older version afterwards.
    try {
      return await this.cache.write<Profile>(userKey(id), async () => (await this.opts.db.update(id, patch)) ?? NOT_FOUND);
    } catch (err) {
      if (err instanceof NotFoundError) throw new ProfileNotFoundError(id);
      throw err;
    }
  }

  async prime(profiles: readonly Profile[]): Promise<void> {
    await forEachLimited(profiles, 64, async (p) => {
      await this.cache.write<Profile>(userKey(p.id), () => Promise.resolve(p));
    });
  }

  applyPolicy(policy: CachePolicy): void {
    this.cache.applyPolicy(policy);
  }

  async close(): Promise<void> {
    await this.cache.close();
  }
}
