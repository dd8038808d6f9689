/**
 * Builds the market-data process from its parts: the quote store (herdguard cache, or the
 * naive baseline), the feed hub with its Redis bus and poller lease, the WebSocket server
 * and the balance loop, all on one service-kit HTTP server. `close()` stops them in
 * dependency order: balance, clients, loops, the bus's subscriber, HTTP. Every Redis user
 * reads the client from one CurrentRedis, so a promotion moves them all (the owner of the
 * CurrentRedis closes it after `close()`).
 */
import type { Registry } from 'prom-client';
import { createCache, type Cache } from '../../lib/4-cache/index.js';
import type { Logger } from '../../lib/1-ground/log.js';
import type { CachePolicy } from '../../lib/3-policy/types.js';
import { HttpError, sendJson, type Route } from '../service-kit/http.js';
import type { ServerLimits } from '../service-kit/limits.js';
import { createService, type Service } from '../service-kit/server.js';
import { WsBalancer } from './balance/balancer.js';
import { FleetRegistry } from './balance/fleet-registry.js';
import { systemClock, type Clock } from '../../lib/1-ground/clock.js';
import { FeedHub, type FeedStats } from './feed/hub.js';
import { RedisQuoteBus } from './feed/redis-bus.js';
import { RedisPollerLease } from './feed/redis-lease.js';
import { HerdguardQuoteStore } from './herdguard-store.js';
import { toHttpError } from './http-errors.js';
import type { CurrentRedis } from './redis-primary.js';
import { NaiveQuoteStore, type QuoteStore } from './quote-store.js';
import type { SymbolList } from './symbols.js';
import type { Upstream } from './upstream.js';
import type { Liveness } from './ws/connection.js';
import type { SendLimits } from './ws/send-policy.js';
import { QuoteSocketServer } from './ws/server.js';

export const SERVICE = 'market-data';

export interface MarketDataOptions {
  readonly pod: string;
  /** The current primary; the feed bus opens its own pub/sub connection from it. */
  readonly redis: CurrentRedis;
  readonly upstream: Upstream;
  readonly policy: CachePolicy;
  readonly mode: 'herdguard' | 'naive';
  /** TTL of the naive baseline's single SET. */
  readonly naiveTtlMs: number;
  readonly symbols: SymbolList;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly feedIntervalMs: number;
  readonly ws: {
    readonly maxSubscriptions: number;
    /** The cap in force (capacity.ts derives it from the memory limit). */
    readonly maxConnections: number;
    readonly maxMessageBytes: number;
    readonly limits: SendLimits;
    readonly liveness: Liveness;
  };
  /** HTTP server timeouts and caps (default DEFAULT_SERVER_LIMITS). */
  readonly httpLimits?: ServerLimits;
  /** 0 disables the balance loop. */
  readonly balance: { readonly intervalMs: number; readonly tolerance: number; readonly maxShedFraction: number };
  readonly debugEndpoints: boolean;
  readonly clock?: Clock;
}

export interface MarketData {
  readonly service: Service;
  readonly cache: Cache | null;
  readonly hub: FeedHub;
  readonly sockets: QuoteSocketServer;
  debugStats(): DebugStats;
  close(): Promise<void>;
}

export interface DebugStats extends FeedStats {
  readonly pod: string;
  readonly wsConnections: number;
  readonly heapUsedBytes: number;
}

export function createMarketData(o: MarketDataOptions): MarketData {
  const cache =
    o.mode === 'herdguard'
      ? createCache({ service: SERVICE, redis: o.redis.client, policy: o.policy, originName: 'feed', registry: o.registry, logger: o.logger })
      : null;
  if (cache) o.redis.attachCache(cache);
  const quotes: QuoteStore = cache ? new HerdguardQuoteStore(cache, o.upstream) : new NaiveQuoteStore(o.redis, o.upstream, o.naiveTtlMs);
  const bus = new RedisQuoteBus(o.redis, o.logger);
  const hub = new FeedHub({
    service: SERVICE,
    owner: o.pod,
    registry: o.registry,
    logger: o.logger,
    clock: o.clock ?? systemClock,
    bus,
    lease: new RedisPollerLease(o.redis, o.feedIntervalMs * 3),
    quotes,
    intervalMs: o.feedIntervalMs,
  });
  // The balancer is built below; no upgrade can arrive before attach(), so it exists by then.
  const sockets: QuoteSocketServer = new QuoteSocketServer({ service: SERVICE, pod: o.pod, hub, symbols: o.symbols, registry: o.registry, ...o.ws, admit: (): boolean => balancer?.admits() ?? true });
  const balancer: WsBalancer | null =
    o.balance.intervalMs > 0
      ? new WsBalancer({
          pod: o.pod,
          intervalMs: o.balance.intervalMs,
          tolerance: o.balance.tolerance,
          maxShedFraction: o.balance.maxShedFraction,
          registry: new FleetRegistry(o.redis, SERVICE, o.balance.intervalMs * 3),
          count: () => sockets.count,
          shed: (n) => sockets.shed(n),
          logger: o.logger,
        })
      : null;
  const debugStats = (): DebugStats => ({ pod: o.pod, ...hub.stats(), wsConnections: sockets.count, heapUsedBytes: process.memoryUsage().heapUsed });

  const routes: Route[] = [
    {
      method: 'GET',
      path: '/quotes/:symbol',
      handler: async ({ res, params }) => {
        try {
          const q = await quotes.get(o.symbols.parse(params['symbol']));
          sendJson(res, 200, q);
        } catch (err) {
          throw toHttpError(err);
        }
      },
    },
  ];
  if (o.debugEndpoints) routes.push(...debugRoutes(debugStats));

  const service = createService({
    name: SERVICE,
    registry: o.registry,
    routes,
    logger: o.logger,
    ...(o.httpLimits ? { limits: o.httpLimits } : {}),
    ready: () => o.redis.client.status === 'ready',
    onClose: async () => {
      await cache?.close();
      await o.upstream.close();
    },
  });
  sockets.attach(service.server);
  balancer?.start();

  let closing: Promise<void> | undefined;
  return {
    service,
    cache,
    hub,
    sockets,
    debugStats,
    close: () =>
      (closing ??= (async () => {
        await balancer?.stop();
        await sockets.closeAll();
        await hub.stopAll();
        await bus.close();
        await service.close();
      })()),
  };
}

function debugRoutes(stats: () => DebugStats): Route[] {
  return [
    { method: 'GET', path: '/debug/feed', handler: ({ res }) => sendJson(res, 200, stats()) },
    {
      method: 'POST',
      path: '/debug/gc',
      handler: ({ res }) => {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (!gc) throw new HttpError(409, 'gc_unavailable', 'start the process with node --expose-gc to use /debug/gc');
        gc();
        gc();
        sendJson(res, 200, stats());
      },
    },
  ];
}
