/**
 * `herdguard/failover`: the full cache, for a process that follows a promoted Redis itself
 * (the bundled services do it from the operator's rendered policy). On a promotion: point it
 * at the new primary (setRedis), distrust the entries written around the loss
 * (distrustWrittenBetween: the lost primary may have acknowledged writes its replica never
 * received), and drop L1 copies (evictL1: fill notifications may have died with it).
 */
export { createCache as createFailoverCache } from './4-cache/index.js';
export type {
  Cache as FailoverCache,
  CacheOptions as FailoverCacheOptions,
  Factory,
  FactoryContext,
  HotKey,
  WarmupOptions,
} from './4-cache/cache/types.js';
export { createRedisClient } from './4-cache/l2/redis-client.js';
export { NOT_FOUND, type NotFound } from './4-cache/cache/not-found.js';
