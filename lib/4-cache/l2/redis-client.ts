/**
 * An ioredis client configured the way the cache needs it: a dead Redis must fail fast
 * (short command timeout, no offline queue, no retries per request) so the cache skips L2
 * instead of queueing requests behind a reconnect.
 */
import { Redis, type RedisOptions } from 'ioredis';

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
