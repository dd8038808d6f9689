/**
 * The one owner of "the current Redis" in a market-data process. Everything that talks to
 * Redis — the quote cache, the feed bus (publish and its subscriber connection), the
 * poller lease, the WS fleet registry, the naive baseline — reads the client from here on
 * every call, so when the operator promotes a replica they all move together.
 *
 * Switching is service-kit's RedisConnectionManager (follows `rendered.redis.primary`,
 * READONLY → ask the node for its primary); the quote cache follows it through
 * followWithCache (distrust window and L1 drop on a promotion), and `onSwitch` listeners
 * hear its switch events. Every connection is dialled with REDIS_URL's scheme and
 * credentials (the chart's Redis requires AUTH).
 */
import type { Redis, RedisOptions } from 'ioredis';
import { createRedisClient } from '../../lib/4-cache/l2/redis-client.js';
import { silentLogger, type Logger } from '../../lib/1-ground/log.js';
import type { PolicyUpdate } from '../../lib/3-policy/source.js';
import { followWithCache, type FollowingCache } from '../service-kit/redis/cache-link.js';
import { RedisConnectionManager } from '../service-kit/redis/connection.js';
import type { RedisAddress } from '../service-kit/redis/settings.js';

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

export interface CurrentRedisOptions {
  /** REDIS_URL: the first primary (before a policy names one), its scheme and credentials. */
  readonly url: string;
  readonly logger?: Logger;
  /** How long a switch waits for the new connection to be ready before using it anyway. */
  readonly readyTimeoutMs?: number;
}

export class CurrentRedis implements FollowedRedis {
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
    this.manager = new RedisConnectionManager({
      initialUrl: o.url,
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

  /** The quote cache follows too, with the promotion handling (distrust window, L1 drop); the manager's close unlinks it. */
  attachCache(cache: FollowingCache): void {
    followWithCache(this.manager, cache, this.logger);
  }

  openSubscriber(): Redis {
    // Subscriptions wait out a reconnect (offline queue) and have no command timeout: they last.
    return this.dial(this.address, { enableOfflineQueue: true, commandTimeout: undefined });
  }

  onSwitch(f: (client: Redis) => void): () => void {
    return this.manager.onSwitch((s) => f(s.client));
  }

  /** Feed every live-policy update here: `rendered.redis.primary` moves the whole process. */
  onPolicy(u: PolicyUpdate): void {
    this.manager.onPolicy(u);
  }

  /** Waits for switches in flight (tests). */
  settled(): Promise<void> {
    return this.manager.settled();
  }

  /** Closes the command connection; the listeners' owners close what they opened. */
  async close(): Promise<void> {
    await this.manager.close();
  }

  private dial(addr: RedisAddress, overrides: RedisOptions): Redis {
    const c = createRedisClient(`${this.scheme}//${addr.host}:${addr.port}`, { ...this.credentials, ...overrides });
    c.on('error', (err: Error) => this.logger.debug('redis connection error', { err, addr }));
    return c;
  }
}
