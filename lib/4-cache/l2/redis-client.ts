/**
 * An ioredis client configured the way the cache needs it: a dead Redis must fail fast
 * (short command timeout, no offline queue, no retries per request) so the cache skips L2
 * instead of queueing requests behind a reconnect.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A standalone Redis or a Redis Cluster: the cache picks its key layout from which (l2/layout.ts). */
export type RedisClient = Redis | Cluster;

export function createRedisClient(url: string, overrides: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(50 * times, 1000),
    ...overrides,
  });
}

/**
 * A Redis Cluster client the same way: fail fast per command, and sharded subscribers on,
 * which the fill announcements use (SSUBSCRIBE, lease/fill-subscriber.ts).
 */
export function createRedisClusterClient(seeds: ReadonlyArray<{ host: string; port: number }>, overrides: ClusterOptions = {}): Cluster {
  return new Cluster([...seeds], {
    enableOfflineQueue: false,
    shardedSubscribers: true,
    clusterRetryStrategy: (times) => Math.min(50 * times, 1000),
    ...overrides,
    // Node connections keep ioredis's own offline queue (it connects them lazily); the command timeout bounds a wait.
    redisOptions: { maxRetriesPerRequest: 0, commandTimeout: 500, connectTimeout: 1000, ...overrides.redisOptions },
  });
}
