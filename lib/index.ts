/**
 * herdguard: a stampede-proof cache for Node.js (L1 in process + Redis). The everyday
 * interface; CachePolicy documents and the file source are in `herdguard/policy`, the
 * Kubernetes source in `herdguard/kubernetes`, the hooks that follow a promoted Redis in
 * `herdguard/failover`.
 */
export { createCache, type Cache } from './4-cache/everyday/everyday-cache.js';
export type { CacheOptions, Duration, GetOrSetOptions, KeyspaceOptions, OriginOptions } from './4-cache/everyday/options.js';
export { NOT_FOUND, type NotFound } from './4-cache/cache/not-found.js';
export type { Factory, FactoryContext, HotKey } from './4-cache/cache/types.js';
export type { Logger } from './1-ground/log.js';
export {
  HerdguardError,
  InvalidOptionError,
  L2UnavailableError,
  LeaseWaitTimeoutError,
  NoKeyspaceError,
  NotFoundError,
  OriginError,
  OriginRejectedError,
  OriginTimeoutError,
  PolicyInvalidError,
} from './1-ground/errors.js';
