/**
 * `npm run start:market-data`. Env: PORT (8080), REDIS_URL (+ REDIS_USERNAME, REDIS_PASSWORD), UPSTREAM_URL, HERDGUARD_POLICY_FILE,
 * POD_NAME; tuning: QUOTE_CACHE (herdguard|naive), FEED_INTERVAL_MS, WS_* and MEMORY_LIMIT_BYTES
 * (ws/config.ts), HTTP_* (service-kit/limits.ts), BALANCE_INTERVAL_MS (0 = off),
 * BALANCE_TOLERANCE_PCT, DEBUG_ENDPOINTS (1 = /debug/*).
 */
import { hostname } from 'node:os';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parsePolicySpec } from '../../lib/4-cache/index.js';
import { createLogger } from '../../lib/1-ground/log.js';
import { InvalidOptionError } from '../../lib/1-ground/errors.js';
import { envInt, envRedisUrl, envString, envUrl } from '../service-kit/env.js';
import { startLivePolicy } from '../service-kit/policy.js';
import { DEFAULT_SERVER_LIMITS, readServerLimits } from '../service-kit/limits.js';
import { installProcessGuard } from '../service-kit/process-guard.js';
import { exitOnSignals } from '../service-kit/server.js';
import { createMarketData, SERVICE } from './app.js';
import { defaultPolicySpec } from './default-policy.js';
import { SymbolList } from './symbols.js';
import { createUpstream } from './upstream.js';
import { CurrentRedis } from './redis-primary.js';
import { waitForRedis } from './redis-ready.js';
import { KERNEL_ALLOWANCE_BYTES, kernelSendBufferMax } from './ws/capacity.js';
import { readWsConfig } from './ws/config.js';

const env = process.env;
const pod = envString(env, 'POD_NAME', `${hostname()}-${process.pid}`);
const logger = createLogger({ service: SERVICE, pod });
const registry = new Registry();
collectDefaultMetrics({ register: registry });
installProcessGuard({ service: SERVICE, registry, logger });

const mode = envString(env, 'QUOTE_CACHE', 'herdguard');
if (mode !== 'herdguard' && mode !== 'naive') {
  throw new InvalidOptionError('environment variable QUOTE_CACHE', '"herdguard" or "naive"', mode);
}
const port = envInt(env, 'PORT', 8080, 0, 65535);
// REDIS_USERNAME and REDIS_PASSWORD (the chart's ACL user) go into it encoded.
const redisUrl = envRedisUrl(env);
const upstreamUrl = envUrl(env, 'UPSTREAM_URL', ['http', 'https'], 'http://127.0.0.1:8090');
const feedIntervalMs = envInt(env, 'FEED_INTERVAL_MS', 1000, 50, 60_000);
const balanceIntervalMs = envInt(env, 'BALANCE_INTERVAL_MS', 1000, 0, 600_000);
const ws = readWsConfig(env);
// Every WebSocket is an HTTP connection first: the HTTP cap leaves room for the WS cap plus HTTP clients.
const httpLimits = readServerLimits(env, { ...DEFAULT_SERVER_LIMITS, maxConnections: ws.maxConnections + 1024 });

// The one owner of "the current Redis": the quote cache, the feed bus, the poller lease
// and the WS fleet registry all follow the primary the operator publishes (rendered
// policy) or a READONLY reply reveals. No warmup handler: quotes live for seconds and the
// feed loops refill them on their own.
const redis = new CurrentRedis({ url: redisUrl, logger });
// Without Redis at start-up there is no fleet to join: exit, so the kubelet restarts the
// container with back-off. The process guard keeps a running service alive after an
// escaped error; it must not keep a process that never started listening.
await waitForRedis(redis.client, redisUrl).catch((err: unknown) => {
  logger.error('start-up failed: Redis did not answer', { err });
  process.exit(1);
});

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
  ws,
  httpLimits,
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
    redis.onPolicy(u);
  },
});
const kernelMax = kernelSendBufferMax();
if (ws.capacity.derivedCap !== null && kernelMax !== null && kernelMax > KERNEL_ALLOWANCE_BYTES) {
  logger.warn('the kernel may buffer more per WebSocket than the connection budget allows', {
    tcpWmemMax: kernelMax,
    allowance: KERNEL_ALLOWANCE_BYTES,
    fix: `set the pod sysctl net.ipv4.tcp_wmem to "4096 16384 ${KERNEL_ALLOWANCE_BYTES}"`,
  });
}
const bound = await app.service.listen(port);
logger.info('market-data listening', { port: bound, mode, redis: redis.address, upstreamUrl, ws: { cap: ws.capacity.cap, derivedCap: ws.capacity.derivedCap, memoryLimit: ws.capacity.limit, perConnectionBytes: ws.capacity.perConnectionBytes }, http: httpLimits });
exitOnSignals(async () => {
  await policy.stop();
  await app.close();
  await redis.close();
}, logger);
