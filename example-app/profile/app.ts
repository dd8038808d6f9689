/**
 * Assembles one profile service process from its configuration: PostgreSQL pool, Redis
 * client, live policy, the chosen cache backend and the HTTP service. `main.ts` runs it;
 * integration tests build it in-process against real Redis and PostgreSQL.
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger, type Logger } from '../cache/log.js';
import type { CachePolicy } from '../cache/policy/types.js';
import { startLivePolicy } from '../service-kit/policy.js';
import { createService, type Service } from '../service-kit/server.js';
import type { ProfileConfig } from './config.js';
import { ProfileDb } from './db.js';
import { defaultPolicy } from './default-policy.js';
import { profileRoutes } from './routes.js';
import { userKeyspace, type ProfileStore } from './stores/store.js';

export interface ProfileApp {
  readonly service: Service;
  readonly registry: Registry;
  readonly db: ProfileDb;
  readonly redis: Redis;
  store(): ProfileStore;
  /** The policy in force (the file's last good one, or the built-in default). */
  policy(): CachePolicy;
  close(): Promise<void>;
}

export function createRedisClient(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableAutoPipelining: true, lazyConnect: false });
  redis.on('error', () => undefined); // reconnects on its own; the cache reports the outage
  return redis;
}

export interface StoreDeps {
  readonly db: ProfileDb;
  readonly redis: Redis;
  readonly config: Pick<ProfileConfig, 'cacheImpl' | 'redisUrl' | 'serviceName'>;
  readonly policy: CachePolicy;
  readonly registry: Registry;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** bentocache's invalidation bus (default on). */
  readonly bus?: boolean;
}

/** Builds the chosen backend; each is imported only when chosen (the peers pull many modules). */
export async function createStore(d: StoreDeps): Promise<ProfileStore> {
  userKeyspace(d.policy); // refuse at once a policy that does not cover user: keys
  switch (d.config.cacheImpl) {
    case 'herdguard': {
      const { HerdguardStore } = await import('./stores/herdguard.js');
      return new HerdguardStore({
        db: d.db,
        redis: d.redis,
        policy: d.policy,
        service: d.config.serviceName,
        registry: d.registry,
        ...(d.logger ? { logger: d.logger } : {}),
        ...(d.now ? { now: d.now } : {}),
      });
    }
    case 'bentocache': {
      const { BentoProfileStore } = await import('./stores/bentocache.js');
      return new BentoProfileStore({ db: d.db, redis: d.redis, redisUrl: d.config.redisUrl, policy: d.policy, bus: d.bus ?? true });
    }
    case 'cachified': {
      const { CachifiedProfileStore } = await import('./stores/cachified.js');
      return new CachifiedProfileStore({ db: d.db, redis: d.redis, policy: d.policy, ...(d.now ? { now: d.now } : {}) });
    }
  }
}

export async function createProfileApp(config: ProfileConfig, opts: { logger?: Logger } = {}): Promise<ProfileApp> {
  const logger = opts.logger ?? createLogger({ service: config.serviceName });
  const registry = new Registry();
  const db = new ProfileDb({ url: config.databaseUrl, poolMax: config.poolMax, service: config.serviceName, registry });
  const redis = createRedisClient(config.redisUrl);
  let current = defaultPolicy();
  let store: ProfileStore | undefined;
  const env = config.policyFile ? { HERDGUARD_POLICY_FILE: config.policyFile } : {};
  const live = await startLivePolicy({
    env,
    service: config.serviceName,
    registry,
    logger,
    onUpdate: (u) => {
      // The first update arrives before the store exists and chooses its initial policy.
      userKeyspace(u.policy);
      current = u.policy;
      store?.applyPolicy(u.policy);
    },
  }).catch(async (err: unknown) => {
    redis.disconnect();
    await db.close();
    throw err;
  });
  try {
    store = await createStore({ db, redis, config, policy: current, registry, logger });
  } catch (err) {
    await live.stop();
    redis.disconnect();
    await db.close();
    throw err;
  }
  const s = store;
  const service = createService({
    name: config.serviceName,
    registry,
    logger,
    routes: profileRoutes(() => s),
    onClose: async () => {
      await live.stop();
      await s.close();
      await redis.quit().catch(() => redis.disconnect());
      await db.close();
    },
  });
  logger.info('profile service assembled', { cacheImpl: config.cacheImpl, policy: current.name, generation: current.generation });
  return { service, registry, db, redis, store: () => s, policy: () => current, close: () => service.close() };
}
