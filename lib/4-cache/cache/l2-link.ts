/**
 * The cache's side of L2: one driver (Redis, or what a test injects), followed across a
 * promotion (setRedis); the lease tokens; local waiters woken by fill announcements; lease
 * releases retried until they land; and the windows of entries written around a promotion,
 * which are served but distrusted. Without a driver every call answers "no L2".
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../l2/redis-client.js';
import type { Logger } from '../../1-ground/log.js';
import {
  L2_DOWN,
  type Acquired,
  type FenceResult,
  type FillListener,
  type L2Down,
  type L2Driver,
} from '../l2/driver.js';
import { RedisDriver } from '../l2/redis-driver.js';
import { FillWaiters } from '../lease/fill-waiters.js';
import { fillChannel } from '../lease/keys.js';
import { TokenSource } from '../lease/tokens.js';
import { UnreleasedLeases } from '../lease/unreleased.js';
import { freshness, type Envelope, type Freshness } from './envelope.js';
import type { Keyspace } from './keyspaces.js';

export interface L2LinkOptions {
  readonly service: string;
  readonly logger: Logger;
  readonly random: () => number;
  /** A fill of `key` was announced (by any instance, this one included). */
  readonly onFill: FillListener;
}

const NONE: Promise<null> = Promise.resolve(null);
const DOWN: Promise<L2Down> = Promise.resolve(L2_DOWN);
/** A handful of promotions is plenty: older windows hold entries long expired. */
const MAX_DISTRUST_WINDOWS = 8;

export class L2Link {
  private driver: L2Driver | null = null;
  private readonly tokens = new TokenSource(randomBytes(6).toString('hex'));
  private readonly waiters = new FillWaiters();
  private readonly unreleased = new UnreleasedLeases();
  /** Retries of failed releases, one run at a time; close() waits for it. */
  private retrying: Promise<void> = Promise.resolve();
  /** Creation-time windows of suspect entries, newest last, bounded. */
  private distrusted: ReadonlyArray<readonly [number, number]> = [];
  private closed = false;

  constructor(
    private readonly opts: L2LinkOptions,
    driver: L2Driver | null,
  ) {
    if (driver !== null) this.use(driver);
  }

  get connected(): boolean {
    return this.driver !== null;
  }

  /** Moves to `redis` (a promoted primary): the leases we could not release on the old one are released there. */
  setRedis(redis: RedisClient): void {
    if (this.driver instanceof RedisDriver) {
      this.driver.setClient(redis);
      this.retryReleases();
      return;
    }
    this.driver?.close();
    this.use(new RedisDriver(redis, fillChannel(this.opts.service), this.opts.logger));
  }

  /** The read's one GET; a hot key reads a random copy and falls back to the key itself if that copy is missing. */
  read(key: string, ks: Keyspace): Promise<Envelope | null | L2Down> {
    const d = this.driver;
    if (d === null) return NONE;
    const copy = ks.readCopy(key, this.opts.random);
    if (copy === 0) return d.read(key, 0);
    return d.read(key, copy).then((env) => (env === null ? d.read(key, 0) : env));
  }

  /** The key itself, read again under the lease or while waiting for its holder. */
  reread(key: string): Promise<Envelope | null | L2Down> {
    return this.driver === null ? NONE : this.driver.read(key, 0);
  }

  /**
   * An entry's freshness, where one written around a promotion counts as stale-while-revalidate:
   * it may be older than the origin (the newer write went to the lost primary). Negative
   * entries keep their own rule (never served stale).
   */
  freshness(env: Envelope, ks: Keyspace, now: number): Freshness {
    const state = freshness(env, now, ks.policy);
    if (state !== 'fresh' || env.nf || this.distrusted.length === 0) return state;
    return this.distrusted.some(([from, to]) => env.c >= from && env.c < to) ? 'stale-revalidate' : state;
  }

  distrust(fromMs: number, toMs: number): void {
    if (toMs > fromMs)
      this.distrusted = [...this.distrusted, [fromMs, toMs] as const].slice(-MAX_DISTRUST_WINDOWS);
  }

  /** A token for an envelope written without a lease (peers tell their L1 copy from ours by it). */
  newToken(writer = false): string {
    return this.tokens.next(writer);
  }

  acquire(key: string, ttlMs: number): Promise<Acquired | L2Down> {
    return this.driver === null ? DOWN : this.driver.acquire(key, this.tokens.next(), ttlMs);
  }

  acquireForWriter(key: string, ttlMs: number): Promise<Acquired | L2Down> {
    return this.driver === null ? DOWN : this.driver.acquireForWriter(key, this.tokens.next(true), ttlMs);
  }

  /** Best effort: a release that cannot reach L2 is retried, and the lease expires by itself after leaseTTL anyway. */
  async release(key: string, token: string): Promise<void> {
    if (this.driver !== null && (await this.driver.release(key, token)) === L2_DOWN)
      this.unreleased.add(key, token);
  }

  retryReleases(): void {
    const d = this.driver;
    if (d === null || this.unreleased.size === 0 || this.closed) return;
    this.retrying = this.retrying
      .then(() => this.unreleased.retry(d))
      .catch((err: unknown) => this.opts.logger.warn('could not release orphaned leases', { err }));
  }

  write(key: string, env: Envelope, pttlMs: number, copies: number, token: string): Promise<FenceResult> {
    return this.driver === null ? DOWN : this.driver.write(key, env, pttlMs, copies, token);
  }

  /** Removes `key` everywhere; the announcement's token matches no L1 copy, so every instance drops its own. */
  remove(key: string, token: string): Promise<FenceResult> {
    return this.driver === null ? DOWN : this.driver.remove(key, token, this.tokens.next(true));
  }

  /** True at once without L2. */
  whenReady(timeoutMs: number): Promise<boolean> {
    return this.driver === null ? Promise.resolve(true) : this.driver.whenReady(timeoutMs);
  }

  /** Resolves when `key` is announced filled, or after `ms`. */
  filled(key: string, ms: number): Promise<void> {
    return this.waiters.wait(key, ms);
  }

  /** Stops listening; `settled()` then waits for the release retry in flight. */
  close(): void {
    this.closed = true;
    this.driver?.close();
  }

  settled(): Promise<void> {
    return this.retrying;
  }

  private use(driver: L2Driver): void {
    this.driver = driver;
    if (!this.closed) driver.listen(this.heard);
  }

  private readonly heard: FillListener = (key, token) => {
    this.opts.onFill(key, token);
    this.waiters.wake(key);
  };
}
