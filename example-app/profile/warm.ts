/**
 * `npm run warm:profile -- --users N [--impl herdguard|bentocache|cachified] [--policy FILE] [--aligned]`
 * Writes users 1..N into the cache through the chosen backend. --aligned pins the cache's
 * clock to the start instant, so every key expires at the same moment (seed 004 baseline).
 */
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { parsePolicyDocument } from '../../lib/3-policy/load.js';
import { envRedisUrl } from '../service-kit/env.js';
import { createRedisClient, createStore } from './app.js';
import { ProfileDb } from './db.js';
import { defaultPolicy } from './default-policy.js';
import { CliFlagError, parseFlags, runCli } from './flags.js';
import { MAX_SEED_USERS } from './seeding.js';
import { CACHE_IMPLS, type CacheImpl } from './stores/store.js';
import { range, warmProfiles } from './warming.js';

export const WARM_FLAGS = {
  users: { type: 'int', min: 1, max: MAX_SEED_USERS, help: 'warm users 1..N' },
  impl: { type: 'string', choices: CACHE_IMPLS, help: 'cache backend (default: env CACHE_IMPL or herdguard)' },
  policy: { type: 'string', help: 'policy file, JSON or YAML (default: env HERDGUARD_POLICY_FILE or the built-in policy)' },
  aligned: { type: 'bool', help: 'pin the clock: every key gets the same expiry instant' },
  'redis-url': { type: 'string', help: 'Redis URL (default: env REDIS_URL)' },
  'database-url': { type: 'string', help: 'PostgreSQL URL (default: env DATABASE_URL)' },
} as const;

/** In a pod: REDIS_URL with the chart's REDIS_USERNAME/REDIS_PASSWORD encoded into it. */
const redisUrlFromEnv = (): string | undefined => (process.env['REDIS_URL'] ? envRedisUrl(process.env) : undefined);

runCli(async () => {
  const flags = parseFlags(process.argv.slice(2), WARM_FLAGS);
  if (flags.users === undefined) throw new CliFlagError(`--users is required (an integer from 1 to ${MAX_SEED_USERS})`);
  const impl = (flags.impl ?? process.env['CACHE_IMPL'] ?? 'herdguard') as CacheImpl;
  if (!CACHE_IMPLS.includes(impl)) throw new CliFlagError(`CACHE_IMPL=${impl} is not accepted; expected one of ${CACHE_IMPLS.join(', ')}`);
  const redisUrl = flags['redis-url'] ?? redisUrlFromEnv();
  const databaseUrl = flags['database-url'] ?? process.env['DATABASE_URL'];
  if (!redisUrl || !databaseUrl) throw new CliFlagError('pass --redis-url and --database-url, or set REDIS_URL and DATABASE_URL');
  const file = flags.policy ?? process.env['HERDGUARD_POLICY_FILE'];
  const policy = file ? parsePolicyDocument(readFileSync(file, 'utf8')).policy : defaultPolicy();
  const t0 = Date.now();
  const db = new ProfileDb({ url: databaseUrl, poolMax: 4, service: 'warm' });
  const redis = createRedisClient(redisUrl);
  const store = await createStore({
    db,
    redis,
    policy,
    registry: new Registry(),
    config: { cacheImpl: impl, redisUrl, serviceName: 'profile-warm' },
    bus: false,
    ...(flags.aligned ? { now: () => t0 } : {}),
  });
  try {
    const n = await warmProfiles({
      db,
      store,
      ids: range(1, flags.users),
      onProgress: (done, total) => process.stdout.write(`\rwarmed ${done}/${total}`),
    });
    const ttl = policy.keyspaces[0]?.ttlMs ?? 0;
    process.stdout.write(`\nwarmed ${n} users with ${impl}${flags.aligned ? `; all expire at ${new Date(t0 + ttl).toISOString()}` : ''}\n`);
  } finally {
    await store.close();
    await redis.quit();
    await db.close();
  }
});
