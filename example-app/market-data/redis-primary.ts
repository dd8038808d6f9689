/**
 * The one owner of "the current Redis" in a market-data process. Everything that talks to
 * Redis — the quote cache, the feed bus (publish and its subscriber connection), the
 * poller lease, the WS fleet registry, the naive baseline — reads the client from here on
 * every call, so when the operator promotes a replica they all move together.
 *
 * Switching is service-kit's RedisConnectionManager (follows `rendered.redis.primary`,
 * READONLY → ask the node for its primary, distrust window and L1 drop for the cache);
 * this class gives it a cache stand-in that fans each switch out to `onSwitch` listeners,
 * and dials every connection with REDIS_URL's scheme and credentials (the manager knows
 * only host:port, and the chart's Redis requires AUTH).
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Cache } from '../../lib/4-cache/cache/types.js';
import { createRedisClient } from '../../lib/4-cache/l2/redis-client.js';
import { silentLogger, type Logger } from '../../lib/1-ground/log.js';
import type { RenderedPolicy } from '../../lib/3-policy/types.js';
import { RedisConnectionManager, type RedisAddress } from '../service-kit/redis.js';

/** What Redis users in this process need: the command client on the current primary, read per call. */
export interface RedisHandle {
  readonly client: Redis;
}

/** A RedisHandle that also opens pub/sub connections and reports switches (the feed bus). */
export interface FollowedRedis extends RedisHandle {
  /** A new connection to the current primary for pub/sub; the caller owns (and closes) it. */
  openSubscriber(): Redis;
  /** Runs `f` after each move to a new primary, with the new command client; returns the unsubscribe. */
  onSwitch(f: (client: Redis) => void): () => void;
}

type CacheHooks = Pick<Cache, 'setRedis' | 'evictL1' | 'distrustWrittenBetween'>;

export interface CurrentRedisOptions {
  /** REDIS_URL: the first primary (before a policy names one), its scheme and credentials. */
  readonly url: string;
  readonly logger?: Logger;
  /** How long a switch waits for the new connection to be ready before using it anyway. */
  readonly readyTimeoutMs?: number;
}

export class CurrentRedis implements FollowedRedis {
  private readonly listeners = new Set<(client: Redis) => void>();
  private cache: CacheHooks | null = null;
  private readonly scheme: string;
  private readonly credentials: Pick<RedisOptions, 'username' | 'password'>;
  private readonly manager: RedisConnectionManager;
  private readonly logger: Logger;

  constructor(o: CurrentRedisOptions) {
    const u = new URL(o.url);
    this.scheme = u.protocol;
    this.credentials = {
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    };
    this.logger = o.logger ?? silentLogger;
    const hooks: CacheHooks = {
      setRedis: (r) => this.switched(r),
      evictL1: (p) => this.cache?.evictL1(p) ?? 0,
      distrustWrittenBetween: (from, to) => this.cache?.distrustWrittenBetween(from, to),
    };
    this.manager = new RedisConnectionManager({
      initialUrl: o.url,
      cache: hooks,
      logger: this.logger,
      connect: (addr, h) => this.dial(addr, { reconnectOnError: h.reconnectOnError }),
      ...(o.readyTimeoutMs !== undefined ? { readyTimeoutMs: o.readyTimeoutMs } : {}),
    });
  }

  get client(): Redis {
    return this.manager.client;
  }

  get address(): RedisAddress {
    return this.manager.address;
  }

  /** Switches done by cause (policy, READONLY). */
  get switches(): Readonly<{ policy: number; readonly: number }> {
    return this.manager.switches;
  }

  /** The quote cache follows too, with the promotion handling (distrust window, L1 drop). */
  attachCache(cache: CacheHooks): void {
    this.cache = cache;
    cache.setRedis(this.client);
  }

  openSubscriber(): Redis {
    // Subscriptions wait out a reconnect (offline queue) and have no command timeout: they last.
    return this.dial(this.address, { enableOfflineQueue: true, commandTimeout: undefined });
  }

  onSwitch(f: (client: Redis) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** Feed every live-policy update here: `rendered.redis.primary` moves the whole process. */
  onPolicy(rendered: RenderedPolicy | null): void {
    this.manager.onPolicy(rendered);
  }

  /** Waits for switches in flight (tests). */
  settled(): Promise<void> {
    return this.manager.settled();
  }

  /** Closes the command connection; the listeners' owners close what they opened. */
  async close(): Promise<void> {
    this.listeners.clear();
    await this.manager.close();
  }

  private switched(client: Redis): void {
    this.cache?.setRedis(client);
    for (const f of [...this.listeners]) {
      try {
        f(client);
      } catch (err) {
        this.logger.warn('a Redis switch listener failed', { err });
      }
    }
  }

  private dial(addr: RedisAddress, overrides: RedisOptions): Redis {
    const c = createRedisClient(`${this.scheme}//${addr.host}:${addr.port}`, { ...this.credentials, ...overrides });
    c.on('error', (err: Error) => this.logger.debug('redis connection error', { err, addr }));
    return c;
  }
}
