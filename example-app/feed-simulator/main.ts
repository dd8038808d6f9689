/** `npm run start:feed-simulator`: env PORT (default 8090), RATE_LIMIT (req/s, default 50), LATENCY_MS (default 20), HTTP_* limits (service-kit/limits.ts). */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createLogger } from '../../lib/1-ground/log.js';
import { envInt } from '../service-kit/env.js';
import { readServerLimits } from '../service-kit/limits.js';
import { installProcessGuard } from '../service-kit/process-guard.js';
import { exitOnSignals } from '../service-kit/server.js';
import { createSimulator } from './app.js';

const logger = createLogger({ service: 'feed-simulator' });
const registry = new Registry();
collectDefaultMetrics({ register: registry });
installProcessGuard({ service: 'feed-simulator', registry, logger });
const port = envInt(process.env, 'PORT', 8090, 0, 65535);
const rateLimit = envInt(process.env, 'RATE_LIMIT', 50, 1, 1_000_000);
const latencyMs = envInt(process.env, 'LATENCY_MS', 20, 0, 60_000);
const sim = createSimulator({ rateLimit, latencyMs, registry, logger, limits: readServerLimits(process.env) });
const bound = await sim.listen(port);
logger.info('feed simulator listening', { port: bound, rateLimit, latencyMs });
exitOnSignals(() => sim.close(), logger);
