/** The profile service's configuration, read from the environment with precise errors. */
import { InvalidOptionError } from '../../lib/1-ground/errors.js';
import { envInt, envRedisUrl, envString, envUrl, type Env } from '../service-kit/env.js';
import { readServerLimits, type ServerLimits } from '../service-kit/limits.js';
import { readRedisCluster, type RedisClusterSettings } from '../service-kit/redis/cluster-settings.js';
import { CACHE_IMPLS, type CacheImpl } from './stores/store.js';

export interface ProfileConfig {
  readonly port: number;
  readonly redisUrl: string;
  /** Set from REDIS_CLUSTER_NODES: the cache runs on a Redis Cluster (REDIS_URL is then unused). */
  readonly redisCluster?: RedisClusterSettings;
  readonly databaseUrl: string;
  readonly policyFile: string | undefined;
  readonly poolMax: number;
  readonly cacheImpl: CacheImpl;
  readonly serviceName: string;
  /** What the live-policy sources read (file, or the operator's ConfigMap and this pod); default: policyFile only. */
  readonly policyEnv?: Env;
  /** HTTP server timeouts and caps (default DEFAULT_SERVER_LIMITS). */
  readonly serverLimits?: ServerLimits;
}

/** Environment variables the live-policy sources read. */
const POLICY_ENV = ['HERDGUARD_POLICY_FILE', 'HERDGUARD_POLICY_CONFIGMAP', 'POD_NAME', 'POD_NAMESPACE'] as const;

export function readConfig(env: Env): ProfileConfig {
  const impl = envString(env, 'CACHE_IMPL', 'herdguard');
  if (!(CACHE_IMPLS as readonly string[]).includes(impl)) {
    throw new InvalidOptionError('environment variable CACHE_IMPL', `one of ${CACHE_IMPLS.join(', ')}`, impl);
  }
  const name = envString(env, 'HERDGUARD_SERVICE_NAME', 'profile');
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
    // It becomes a metric label: keep it short and tame.
    throw new InvalidOptionError('environment variable HERDGUARD_SERVICE_NAME', 'a lowercase name of 1 to 63 [a-z0-9_-]', name);
  }
  const redisCluster = readRedisCluster(env);
  if (redisCluster && impl !== 'herdguard') {
    // The peers' adapters here speak to one Redis only.
    throw new InvalidOptionError('environment variable CACHE_IMPL', 'herdguard when REDIS_CLUSTER_NODES is set (the peer adapters use one Redis)', impl);
  }
  return {
    ...(redisCluster ? { redisCluster } : {}),
    port: envInt(env, 'PORT', 8080, 0, 65_535),
    // REDIS_USERNAME and REDIS_PASSWORD (the chart's ACL user) go into it encoded.
    redisUrl: envRedisUrl(env),
    databaseUrl: envUrl(env, 'DATABASE_URL', ['postgres', 'postgresql'], 'postgres://postgres@127.0.0.1:5432/herdguard'),
    policyFile: env['HERDGUARD_POLICY_FILE'] || undefined,
    poolMax: envInt(env, 'DB_POOL_MAX', 10, 1, 1000),
    cacheImpl: impl as CacheImpl,
    serviceName: name,
    policyEnv: Object.fromEntries(POLICY_ENV.filter((k) => env[k]).map((k) => [k, env[k]])),
    serverLimits: readServerLimits(env),
  };
}
