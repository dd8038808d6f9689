/**
 * `npm run start:market-data`. Env: PORT (8080), REDIS_URL, UPSTREAM_URL, HERDGUARD_POLICY_FILE,
 * POD_NAME; tuning: QUOTE_CACHE (herdguard|naive), FEED_INTERVAL_MS, WS_MAX_SUBSCRIPTIONS,
 * WS_MAX_CONNECTIONS, WS_MAX_MESSAGE_BYTES, WS_SEND_DROP_BYTES, WS_SEND_DISCONNECT_BYTES,
 * BALANCE_INTERVAL_MS (0 = off), BALANCE_TOLERANCE_PCT, DEBUG_ENDPOINTS (1 = /debug/*).
 */
import { hostname } from 'node:os';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parsePolicySpec } from '../cache/index.js';
import { createLogger } from '../cache/log.js';
import { InvalidOptionError } from '../cache/errors.js';
import { envInt, envString, envUrl } from '../service-kit/env.js';
import { startLivePolicy } from '../service-kit/policy.js';
import { exitOnSignals } from '../service-kit/server.js';
import { createMarketData, SERVICE } from './app.js';
import { defaultPolicySpec } from './default-policy.js';
import { SymbolList } from './symbols.js';
import { createUpstream } from './upstream.js';
import { CurrentRedis } from './redis-primary.js';
import { waitForRedis } from './redis-ready.js';

const env = process.env;
const pod = envString(env, 'POD_NAME', `${hostname()}-${process.pid}`);
const logger = createLogger({ service: SERVICE, pod });
const registry = new Registry();
collectDefaultMetrics({ register: registry });

const mode = envString(env, 'QUOTE_CACHE', 'herdguard');
if (mode !== 'herdguard' && mode !== 'naive') {
  throw new InvalidOptionError('environment variable QUOTE_CACHE', '"herdguard" or "naive"', mode);
}
const port = envInt(env, 'PORT', 8080, 0, 65535);
const redisUrl = envUrl(env, 'REDIS_URL', ['redis', 'rediss'], 'redis://127.0.0.1:6379');
const upstreamUrl = envUrl(env, 'UPSTREAM_URL', ['http', 'https'], 'http://127.0.0.1:8090');
const feedIntervalMs = envInt(env, 'FEED_INTERVAL_MS', 1000, 50, 60_000);
const balanceIntervalMs = envInt(env, 'BALANCE_INTERVAL_MS', 1000, 0, 600_000);
const dropBytes = envInt(env, 'WS_SEND_DROP_BYTES', 64 * 1024, 1, 64 * 1024 * 1024);

// The one owner of "the current Redis": the quote cache, the feed bus, the poller lease
// and the WS fleet registry all follow the primary the operator publishes (rendered
// policy) or a READONLY reply reveals. No warmup handler: quotes live for seconds and the
// feed loops refill them on their own.
const redis = new CurrentRedis({ url: redisUrl, logger });
await waitForRedis(redis.client, redisUrl);

const app = createMarketData({
  pod,
  redis,
  upstream: createUpstream(upstreamUrl),
  policy: parsePolicySpec(defaultPolicySpec, { name: 'market-data-default' }),
  mode,
  naiveTtlMs: envInt(env, 'NAIVE_TTL_MS', 2000, 1, 3_600_000),
  symbols: new SymbolList(),
  registry,
  logger,
  feedIntervalMs,
  ws: {
    maxSubscriptions: envInt(env, 'WS_MAX_SUBSCRIPTIONS', 20, 1, 500),
    maxConnections: envInt(env, 'WS_MAX_CONNECTIONS', 20_000, 1, 1_000_000),
    maxMessageBytes: envInt(env, 'WS_MAX_MESSAGE_BYTES', 4096, 64, 1024 * 1024),
    limits: {
      dropAboveBytes: dropBytes,
      disconnectAboveBytes: envInt(env, 'WS_SEND_DISCONNECT_BYTES', dropBytes * 4, dropBytes, 256 * 1024 * 1024),
      maxConsecutiveDrops: envInt(env, 'WS_MAX_CONSECUTIVE_DROPS', 100, 1, 1_000_000),
    },
  },
  balance: { intervalMs: balanceIntervalMs, tolerance: envInt(env, 'BALANCE_TOLERANCE_PCT', 5, 0, 100) / 100, maxShedFraction: 0.25 },
  debugEndpoints: env['DEBUG_ENDPOINTS'] === '1',
});
const policy = await startLivePolicy({
  env,
  service: SERVICE,
  registry,
  logger,
  onUpdate: (u) => {
    app.cache?.applyPolicy(u.policy);
    redis.onPolicy(u.rendered);
  },
});
const bound = await app.service.listen(port);
logger.info('market-data listening', { port: bound, mode, redis: redis.address, upstreamUrl });
exitOnSignals(async () => {
  await policy.stop();
  await app.close();
  await redis.close();
}, logger);
