/**
 * The feed simulator: a rate-limited market-data vendor. GET /quote/:symbol answers a
 * moving price after the configured latency, or 429 with Retry-After once the global
 * budget is spent; /stats and /metrics count hits per symbol.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { InvalidOptionError } from '../../lib/1-ground/errors.js';
import type { Logger } from '../../lib/1-ground/log.js';
import { metrics } from '../../lib/1-ground/metric-names.js';
import { counter } from '../../lib/1-ground/prom.js';
import { HttpError, sendJson, type Route } from '../service-kit/http.js';
import type { ServerLimits } from '../service-kit/limits.js';
import { createService, type Service } from '../service-kit/server.js';
import { PriceBook } from './prices.js';
import { TokenBucket } from './rate-limit.js';
import { HitStats } from './stats.js';
import { SYMBOL_PATTERN, SYMBOLS, isKnownSymbol } from './universe.js';

export interface SimulatorOptions {
  /** Requests per second across all symbols; default 50. */
  readonly rateLimit: number;
  /** Tokens the bucket holds at most; default one second's worth. */
  readonly burst?: number;
  /** Added before every answer, like a remote vendor's round trip. */
  readonly latencyMs: number;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  /** HTTP server timeouts and caps (default DEFAULT_SERVER_LIMITS). */
  readonly limits?: ServerLimits;
}

export function createSimulator(o: SimulatorOptions): Service {
  if (!(Number.isInteger(o.latencyMs) && o.latencyMs >= 0)) {
    throw new InvalidOptionError('latencyMs', 'an integer >= 0', o.latencyMs);
  }
  const now = o.now ?? Date.now;
  const bucket = new TokenBucket(o.rateLimit, o.burst ?? Math.max(1, Math.round(o.rateLimit)), now);
  const book = new PriceBook(SYMBOLS, now, o.random ?? Math.random);
  const stats = new HitStats();
  const requests = counter(o.registry, metrics.feedSimulatorRequests);
  const inflight = new AbortController();

  const quote: Route = {
    method: 'GET',
    path: '/quote/:symbol',
    handler: async ({ res, params }) => {
      const symbol = params['symbol'] ?? '';
      if (!SYMBOL_PATTERN.test(symbol)) {
        stats.recordMalformed();
        requests.inc({ symbol: 'other', outcome: 'malformed' });
        throw new HttpError(400, 'malformed_symbol', `symbol ${JSON.stringify(symbol)} is malformed; expected ${SYMBOL_PATTERN.source}`);
      }
      if (!isKnownSymbol(symbol)) {
        stats.recordUnknown();
        requests.inc({ symbol: 'other', outcome: 'unknown' });
        throw new HttpError(404, 'unknown_symbol', `symbol ${symbol} is not in the simulator's universe`);
      }
      const d = bucket.take();
      if (!d.allowed) {
        stats.record(symbol, 'limited');
        requests.inc({ symbol, outcome: 'limited' });
        throw new HttpError(429, 'rate_limited', `over the global limit of ${o.rateLimit} requests/s`, {
          'retry-after': String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))),
          'retry-after-ms': String(d.retryAfterMs),
        });
      }
      stats.record(symbol, 'ok');
      requests.inc({ symbol, outcome: 'ok' });
      if (o.latencyMs > 0) await sleep(o.latencyMs, undefined, { signal: inflight.signal });
      sendJson(res, 200, book.quote(symbol));
    },
  };
  const routes: Route[] = [
    quote,
    { method: 'GET', path: '/stats', handler: ({ res }) => sendJson(res, 200, stats.snapshot()) },
    {
      method: 'POST',
      path: '/stats/reset',
      handler: ({ res }) => {
        stats.reset();
        sendJson(res, 200, { reset: true });
      },
    },
    { method: 'GET', path: '/symbols', handler: ({ res }) => sendJson(res, 200, { symbols: SYMBOLS }) },
  ];
  return createService({
    name: 'feed-simulator',
    registry: o.registry,
    routes,
    logger: o.logger,
    ...(o.limits ? { limits: o.limits } : {}),
    // Pending latency sleeps end at once so a shutdown does not wait for them.
    onClose: () => {
      inflight.abort();
      return Promise.resolve();
    },
  });
}
