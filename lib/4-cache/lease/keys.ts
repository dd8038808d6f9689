/**
 * Redis names derived from a cache key. Values live under the caller's key as-is (visible
 * in MONITOR); the lease and hot-key replicas under suffixed names next to it.
 */
export const leaseKey = (key: string): string => `hg:lease:${key}`;
export const REPLICA_INFIX = ':hg-replica:';
export const replicaKey = (key: string, copy: number): string =>
  copy === 0 ? key : `${key}${REPLICA_INFIX}${copy}`;
/** One pub/sub channel per service: every instance hears every fill and wakes its own waiters. */
export const fillChannel = (service: string): string => `hg:filled:${service}`;
/** Hot keys have at most this many copies (schema: hotKeys.replicas maximum). */
export const MAX_REPLICAS = 64;
/**
 * The failover epoch on the Redis node itself: the operator raises it atomically with a
 * promotion (operator/failover/redis-admin.ts); lease tokens carry it (lease/scripts.ts).
 */
export const EPOCH_KEY = 'hg:epoch';
