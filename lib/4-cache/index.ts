/** Public entry of the herdguard cache library. */
export { createCache } from './cache/create-cache.js';
export type { Cache, CacheOptions, Factory, FactoryContext, HotKey, WarmupOptions } from './cache/types.js';
export { NOT_FOUND } from './cache/not-found.js';
export { createRedisClient } from './l2/redis-client.js';
export * from '../1-ground/errors.js';
export * from '../3-policy/load.js';
export type * from '../3-policy/types.js';
