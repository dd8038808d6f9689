/**
 * Assembles one profile service process from its configuration: PostgreSQL pool, Redis
 * client, live policy, the chosen cache backend and the HTTP service. `main.ts` runs it;
 * integration tests build it in-process against real Redis and PostgreSQL.
 */
import { Redis } from 'ioredis';
import type { RedisClient } from '../../lib/4-cache/l2/redis-client.js';
import { connectRedisCluster } from '../service-kit/redis/cluster-settings.js';
import { Registry } from 'prom-client';
import { InvalidOptionError, NOT_FOUND } from '../../lib/4-cache/index.js';
import { createLogger, type Logger } from '../../lib/1-ground/log.js';
import type { CachePolicy } from '../../lib/3-policy/types.js';
import { startLivePolicy } from '../service-kit/policy.js';
import { DEFAULTS } from '../../lib/3-policy/defaults.js';
import { redisModeMismatch } from '../../lib/3-policy/rendered.js';
import type { PolicyUpdate } from '../../lib/3-policy/source.js';
import { followWithCache } from '../service-kit/redis/cache-link.js';
import { RedisConnectionManager } from '../service-kit/redis/connection.js';
import { RecentKeys } from '../service-kit/redis/recent-keys.js';
import { RecentWrites } from '../service-kit/redis/recent-writes.js';
import { originCallCounter, warmWithinOriginBudget } from '../service-kit/redis/warmup-bucket.js';
import { WarmupRequests } from '../service-kit/redis/warmup-requests.js';
import { createService, type Service } from '../service-kit/server.js';
import type { ProfileConfig } from './config.js';
import { ProfileDb } from './db.js';
import { defaultPolicy } from './default-policy.js';
import { ProfileReadiness } from './readiness.js';
import { profileRoutes } from './routes.js';
import type { HerdguardStore } from './stores/herdguard.js';
import { USER_PREFIX, userKey, userKeyspace, type ProfileStore } from './stores/store.js';

export interface ProfileApp {
  readonly service: Service;
  readonly registry: Registry;
  readonly db: ProfileDb;
  readonly redis: RedisClient;
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
  /** A Redis Cluster only for herdguard (readConfig refuses the peers there). */
  readonly redis: RedisClient;
  readonly config: Pick<ProfileConfig, 'cacheImpl' | 'redisUrl' | 'serviceName'>;
  readonly policy: CachePolicy;
  readonly registry: Registry;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** bentocache's invalidation bus (default on). */
  readonly bus?: boolean;
}

/**
 * The peer libraries are benchmark baselines: dev dependencies, left out of the images with
 * their adapters (Dockerfile). Choosing one where it is absent gets a message, not a stack.
 */
export async function importPeer<T>(impl: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    const accepted = 'herdguard (the peers bentocache and cachified run only from a checkout with dev dependencies, e.g. npm run bench:herd)';
    throw new InvalidOptionError('environment variable CACHE_IMPL', accepted, impl);
  }
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
      const { BentoProfileStore } = await importPeer('bentocache', () => import('./stores/bentocache.js'));
      return new BentoProfileStore({ db: d.db, redis: d.redis as Redis, redisUrl: d.config.redisUrl, policy: d.policy, bus: d.bus ?? true });
    }
    case 'cachified': {
      const { CachifiedProfileStore } = await importPeer('cachified', () => import('./stores/cachified.js'));
      return new CachifiedProfileStore({ db: d.db, redis: d.redis as Redis, policy: d.policy, ...(d.now ? { now: d.now } : {}) });
    }
  }
}

export async function createProfileApp(config: ProfileConfig, opts: { logger?: Logger } = {}): Promise<ProfileApp> {
  const logger = opts.logger ?? createLogger({ service: config.serviceName });
  const registry = new Registry();
  const db = new ProfileDb({ url: config.databaseUrl, poolMax: config.poolMax, service: config.serviceName, registry });
  const redis: RedisClient = config.redisCluster ? connectRedisCluster(config.redisCluster) : createRedisClient(config.redisUrl);
  let current = defaultPolicy();
  let latest: PolicyUpdate | null = null;
  let store: ProfileStore | undefined;
  let primary: FollowedPrimary | undefined;
  const env = config.policyEnv ?? (config.policyFile ? { HERDGUARD_POLICY_FILE: config.policyFile } : {});
  const live = await startLivePolicy({
    env,
    service: config.serviceName,
    registry,
    logger,
    onUpdate: (u) => {
      // The first update arrives before the store exists and chooses its initial policy.
      userKeyspace(u.policy);
      // The client kind is fixed at start (REDIS_CLUSTER_NODES): a policy naming the other mode is reported, and served on.
      const mismatch = redisModeMismatch(u.policy, config.redisCluster ? 'cluster' : 'standalone');
      if (mismatch) logger.error('policy names another Redis mode', { policy: u.policy.name, problem: mismatch });
      current = u.policy;
      latest = u;
      store?.applyPolicy(u.policy);
      // A promotion moves the published primary: follow it at once.
      primary?.onPolicy(u);
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
  const recent = new RecentKeys(WARM_KEYS_MAX);
  if (s.impl === 'herdguard') {
    // On a cluster there is no primary to follow (Redis Cluster fails over by itself): the
    // cold-Redis warmups alone.
    const deps = { config, db, registry, logger, recent };
    primary = config.redisCluster ? warmOnly(s as HerdguardStore, deps) : followPrimary(s as HerdguardStore, deps);
    if (latest) primary.onPolicy(latest);
  }
  const routed = primary ? routedStore(s, db, primary.writes, recent) : s;
  const followed = primary;
  const readiness = new ProfileReadiness({ db, redis: () => followed?.manager?.client ?? redis });
  const service = createService({
    name: config.serviceName,
    registry,
    logger,
    routes: profileRoutes(() => routed),
    ready: async () => (await readiness.check()).ready,
    ...(config.serverLimits ? { limits: config.serverLimits } : {}),
    onClose: async () => {
      await live.stop();
      await primary?.close();
      await s.close();
      await redis.quit().catch(() => redis.disconnect());
      await db.close();
    },
  });
  logger.info('profile service assembled', { cacheImpl: config.cacheImpl, policy: current.name, generation: current.generation });
  return { service, registry, db, redis, store: () => s, policy: () => current, close: () => service.close() };
}

/** Most recently served keys kept for a cold-Redis warmup (the policy's default topKeys). */
const WARM_KEYS_MAX = DEFAULTS.warmup.topKeys;

/** The herdguard store's Redis following: the connection, the writes to repair after a promotion, the warmups. */
interface FollowedPrimary {
  /** Absent on a Redis Cluster, which fails over by itself. */
  readonly manager?: RedisConnectionManager;
  readonly writes?: RecentWrites;
  onPolicy(u: PolicyUpdate): void;
  close(): Promise<void>;
}

type FollowDeps = { config: ProfileConfig; db: ProfileDb; registry: Registry; logger: Logger; recent: RecentKeys };

/**
 * Keeps the herdguard cache on the current Redis primary (published primary, READONLY
 * replies) and runs the operator's cold-Redis warmup over this instance's recent keys,
 * within the origin budget the operator gave it.
 */
function followPrimary(store: HerdguardStore, d: FollowDeps): FollowedPrimary {
  const manager = new RedisConnectionManager({ initialUrl: d.config.redisUrl, logger: d.logger });
  const unlink = followWithCache(manager, store.cache, d.logger);
  const writes = new RecentWrites(manager, d.logger);
  const warmups = cacheWarmups(store, d);
  return {
    manager,
    writes,
    onPolicy: (u) => {
      manager.onPolicy(u);
      warmups.onPolicy(u);
    },
    // What uses the connection stops first; the connection last.
    close: async () => {
      await warmups.close();
      await writes.close();
      unlink();
      await manager.close();
    },
  };
}

/** Runs the operator's cold-Redis warmups over this instance's recent keys, within the origin budget it gave. */
function cacheWarmups(store: HerdguardStore, d: FollowDeps): WarmupRequests {
  const originCalls = originCallCounter(d.registry);
  return new WarmupRequests({
    logger: d.logger,
    run: async (req, signal) => {
      const keys = d.recent.top(req.topKeys);
      d.logger.warn('cold redis: warming recently served keys', { id: req.id, keys: keys.length, ratePerSecond: req.ratePerSecondPerInstance });
      const r = await warmWithinOriginBudget({
        cache: store.cache,
        keys,
        factory: async ({ key }) => (await d.db.getById(Number(key.slice(USER_PREFIX.length)))) ?? NOT_FOUND,
        ratePerSecond: req.ratePerSecondPerInstance,
        originCalls,
        signal,
      });
      d.logger.info('cold redis warmup done', { id: req.id, ...r });
    },
  });
}

/** A cache on a Redis Cluster: no primary to follow, the warmups only. */
function warmOnly(store: HerdguardStore, d: FollowDeps): FollowedPrimary {
  const warmups = cacheWarmups(store, d);
  return { onPolicy: (u) => warmups.onPolicy(u), close: () => warmups.close() };
}

/**
 * What the routes see: reads remember their key for warmup; writes run on the primary and,
 * should a promotion follow, are repopulated from PostgreSQL on the new one.
 */
function routedStore(s: ProfileStore, db: ProfileDb, writes: RecentWrites | undefined, recent: RecentKeys): ProfileStore {
  return {
    impl: s.impl,
    get: (id) => {
      recent.touch(userKey(id));
      return s.get(id);
    },
    // The cache itself skips Redis on an error reply (its READONLY hook moves the client and a
    // promotion distrusts older entries); this retries a write whose READONLY reply escaped.
    update: (id, patch) =>
      // On a cluster no promotion of ours can lose a write: nothing to repair.
      !writes ? s.update(id, patch) : writes.write(
        userKey(id),
        () => s.update(id, patch),
        async () => {
          const fresh = await db.getById(id);
          if (fresh) await s.prime([fresh]);
        },
      ),
    prime: (p) => s.prime(p),
    applyPolicy: (p) => s.applyPolicy(p),
    close: () => s.close(),
  };
}
