import { HerdCache } from './herd-cache.js';
import type { Cache, CacheOptions } from './types.js';

/** Builds a cache; throws InvalidOptionError naming the first bad option. */
export function createCache(opts: CacheOptions): Cache {
  return new HerdCache(opts);
}
