/**
 * The cache: a facade over its parts (docs/adr/0001-lease-and-fencing.md). `get()` reads L1,
 * then one Redis GET (ReadHandler), then the coalesced fill (FillCoordinator: local
 * single-flight, the fenced Redis lease, the guarded origin). Writes and deletes:
 * WriteHandler. Refreshes no caller waits for: Refresher. Redis, its lease and its
 * announcements: L2Link. Per-keyspace L1, hot keys and metrics: Keyspaces.
 */
import type { RedisClient } from '../l2/redis-client.js';
import { Registry } from 'prom-client';
import { NoKeyspaceError } from '../../1-ground/errors.js';
import { silentLogger } from '../../1-ground/log.js';
import type { CachePolicy } from '../../3-policy/types.js';
import type { L2Driver } from '../l2/driver.js';
import { CacheMetrics } from '../metrics/cache-metrics.js';
import { FillCoordinator } from './fill-coordinator.js';
import { Keyspaces } from './keyspaces.js';
import { L2Link } from './l2-link.js';
import { settled, valueOf } from './not-found.js';
import { validateCacheOptions, validateWarmupOptions } from './options.js';
import { Origin } from './origin.js';
import { ReadHandler } from './read-handler.js';
import { Refresher } from './refresher.js';
import type { Cache, CacheOptions, Factory, HotKey, WarmupOptions } from './types.js';
import { WriteHandler } from './write-handler.js';

const TICK_MS = 1000;
type Picks = (key: string, writtenAtMs: number) => boolean;
const ALL: Picks = () => true;

export class HerdCache implements Cache {
  private readonly clock: { now(): number };
  private readonly keyspaces: Keyspaces;
  private readonly origin: Origin;
  private readonly link: L2Link;
  private readonly refresher: Refresher;
  private readonly reads: ReadHandler;
  private readonly writes: WriteHandler;
  private readonly ticker: NodeJS.Timeout;

  /** `l2`: a driver instead of `opts.redis` (tests: the in-memory one). */
  constructor(opts: CacheOptions, l2: L2Driver | null = null) {
    validateCacheOptions(opts);
    const clock = (this.clock = opts.clock ?? Date);
    const random = opts.random ?? Math.random;
    const logger = (opts.logger ?? silentLogger).child({ component: 'cache', service: opts.service });
    const name = opts.originName ?? 'origin';
    const metrics = new CacheMetrics(opts.registry ?? new Registry(), opts.service, name);
    this.keyspaces = new Keyspaces(metrics, opts.policy);
    this.origin = new Origin(opts.policy.origin, { name, metrics, clock, random, logger });
    const onFill = (key: string, token: string) => this.keyspaces.filled(key, token);
    this.link = new L2Link({ service: opts.service, logger, random, onFill }, l2);
    const fills = new FillCoordinator({ link: this.link, origin: this.origin, clock, logger });
    const parts = { fills, keyspaces: this.keyspaces, origin: this.origin, clock, random, logger };
    this.refresher = new Refresher(opts.policy.origin, parts);
    this.reads = new ReadHandler({ link: this.link, fills, refresher: this.refresher, clock });
    this.writes = new WriteHandler({ link: this.link, fills, origin: this.origin, clock, logger });
    if (opts.redis) this.setRedis(opts.redis);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  get policy(): CachePolicy {
    return this.keyspaces.policy;
  }

  get<T>(key: string, factory: Factory<T>): Promise<T> {
    const ks = this.keyspaces.of(key);
    if (ks === undefined) return Promise.reject(new NoKeyspaceError(key));
    const now = this.clock.now();
    if (ks.hot !== null) ks.hot.record(key, now);
    const hit = ks.l1.get(key, now);
    if (hit === undefined) return this.reads.handle(key, ks, factory) as Promise<T>;
    // L1 hit: no Redis, no awaits; only the XFetch coin flip when early refresh is on.
    ks.m.l1Hit.inc();
    if (ks.policy.earlyRefreshBeta !== null) this.refresher.maybeEarly(key, ks, hit.env, now, factory);
    return settled(hit.env, key) as Promise<T>;
  }

  async write<T>(key: string, writer: Factory<T>): Promise<T> {
    const ks = this.keyspaces.of(key);
    if (ks === undefined) throw new NoKeyspaceError(key);
    return valueOf(await this.writes.write(key, ks, writer), key) as T;
  }

  async delete(key: string): Promise<void> {
    const ks = this.keyspaces.of(key);
    if (ks === undefined) throw new NoKeyspaceError(key);
    await this.writes.delete(key, ks);
  }

  applyPolicy(policy: CachePolicy): void {
    this.keyspaces.apply(policy);
    this.origin.setPolicy(policy.origin);
    this.refresher.setPolicy(policy.origin);
  }

  setRedis(redis: RedisClient): void {
    this.link.setRedis(redis);
  }

  revalidate(predicate: Picks = ALL): number {
    return this.refresher.revalidate(predicate);
  }

  distrustWrittenBetween(fromMs: number, toMs: number): void {
    this.link.distrust(fromMs, toMs);
  }

  evictL1(predicate: Picks = ALL): number {
    return this.keyspaces.evictL1(predicate);
  }

  async warmup(
    keys: readonly string[],
    factory: Factory<unknown>,
    opts: WarmupOptions,
  ): Promise<{ warmed: number; failed: number }> {
    validateWarmupOptions(opts); // inside async: the caller gets a rejection, not a throw
    return await this.refresher.warmup(keys, factory, opts);
  }

  hotKeys(): readonly HotKey[] {
    return this.keyspaces.hotKeys(this.clock.now());
  }

  /** Idempotent: stops listening, drops refreshes not started, waits for the rest. */
  async close(): Promise<void> {
    clearInterval(this.ticker);
    this.link.close();
    await this.refresher.close();
    await this.link.settled();
  }

  private tick(): void {
    this.keyspaces.export(this.clock.now());
    this.link.retryReleases();
  }
}
