/**
 * A service on a Redis Cluster: REDIS_CLUSTER_NODES names the seed nodes (`host:port`,
 * comma-separated; the client learns the rest of the cluster from them). Unset: the service
 * runs on one primary (REDIS_URL) and follows the operator's promotions. The credentials
 * come from REDIS_USERNAME and REDIS_PASSWORD, as for REDIS_URL.
 */
import type { Cluster } from 'ioredis';
import { InvalidOptionError } from '../../../lib/1-ground/errors.js';
import { createRedisClusterClient } from '../../../lib/4-cache/l2/redis-client.js';
import type { Env } from '../env.js';
import type { RedisAddress } from './settings.js';

export interface RedisClusterSettings {
  readonly seeds: readonly RedisAddress[];
  readonly username?: string;
  readonly password?: string;
}

/** At most this many seeds: a handful is enough to find a cluster, and the value is logged on error. */
const MAX_SEEDS = 64;
const SEED = /^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):(\d{1,5})$/;
const EXPECTED = 'a comma-separated list of host:port seed nodes, e.g. redis-0.redis:6379,redis-1.redis:6379';

export function readRedisCluster(env: Env): RedisClusterSettings | undefined {
  const raw = env['REDIS_CLUSTER_NODES'];
  if (raw === undefined || raw.trim() === '') return undefined;
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.length > MAX_SEEDS) throw new InvalidOptionError('environment variable REDIS_CLUSTER_NODES', `${EXPECTED} (at most ${MAX_SEEDS})`, `${parts.length} entries`);
  const seeds = parts.map((p) => {
    const m = SEED.exec(p);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65_535) throw new InvalidOptionError('environment variable REDIS_CLUSTER_NODES', EXPECTED, p);
    return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
  });
  const username = env['REDIS_USERNAME'] || undefined;
  const password = env['REDIS_PASSWORD'] || undefined;
  return { seeds, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** The services' cluster client: the cache's fail-fast settings, the credentials on every node. */
export function connectRedisCluster(s: RedisClusterSettings): Cluster {
  const c = createRedisClusterClient(s.seeds, {
    redisOptions: { ...(s.username ? { username: s.username } : {}), ...(s.password ? { password: s.password } : {}) },
  });
  c.on('error', () => undefined); // reconnects on its own; the cache reports the outage
  return c;
}
