/**
 * A @epic-web/cachified cache adapter over ioredis: each entry is stored as JSON with a
 * physical TTL of ttl + staleWhileRevalidate (what cachified calls the total TTL), so Redis
 * drops it only once cachified would no longer serve it.
 */
import { totalTtl, type Cache, type CacheEntry } from '@epic-web/cachified';
import type { Redis } from 'ioredis';

export function redisCacheAdapter(redis: Redis, prefix = 'cachified:'): Cache {
  return {
    name: 'ioredis',
    async get(key: string): Promise<CacheEntry | null> {
      const raw = await redis.get(prefix + key);
      return raw === null ? null : (JSON.parse(raw) as CacheEntry);
    },
    async set(key: string, entry: CacheEntry): Promise<void> {
      const ttl = totalTtl(entry.metadata);
      const json = JSON.stringify(entry);
      if (Number.isFinite(ttl) && ttl > 0) {
        // Relative to the entry's creation, so a backdated entry expires when cachified says.
        const left = Math.max(1, Math.round(entry.metadata.createdTime + ttl - Date.now()));
        await redis.set(prefix + key, json, 'PX', left);
      } else {
        await redis.set(prefix + key, json);
      }
    },
    async delete(key: string): Promise<void> {
      await redis.del(prefix + key);
    },
  };
}
