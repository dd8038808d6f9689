/** The public contract of the cache (other modules code against it: add, never change). */
import type { RedisClient } from '../l2/redis-client.js';
import type { Registry } from 'prom-client';
import type { Logger } from '../../1-ground/log.js';
import type { CachePolicy } from '../../3-policy/types.js';
import type { NotFound } from './not-found.js';

export interface CacheOptions {
  /** Value of the `service` metrics label. */
  readonly service: string;
  /** ioredis client for L2; null = no L2 (L1 and local single-flight only). The caller owns and closes it. */
  readonly redis: RedisClient | null;
  /** Runtime policy from parsePolicySpec(). */
  readonly policy: CachePolicy;
  /** Value of the `origin` metrics label; default 'origin'. */
  readonly originName?: string;
  /** prom-client registry; default a new one. */
  readonly registry?: Registry;
  /** ms epoch; default Date. */
  readonly clock?: { now(): number };
  /** Uniform in [0, 1); default Math.random. */
  readonly random?: () => number;
  readonly logger?: Logger;
}

export interface FactoryContext {
  readonly key: string;
  /** Fires at the origin timeout (or when the cache is closed): stop work and release resources. */
  readonly signal: AbortSignal;
}

/** Computes the value from the origin; returns NOT_FOUND when the key does not exist. Values must be JSON-serializable. */
export type Factory<T> = (ctx: FactoryContext) => Promise<T | NotFound>;

export interface WarmupOptions {
  readonly ratePerSecond: number;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
}

export interface HotKey {
  readonly key: string;
  readonly ratePerSec: number;
  readonly share: number;
}

export interface Cache {
  readonly policy: CachePolicy;
  get<T>(key: string, factory: Factory<T>): Promise<T>;
  write<T>(key: string, writer: Factory<T>): Promise<T>;
  /**
   * Removes `key` from Redis and from every instance's L1, so the next read calls the origin.
   * Fenced like a write: a fill that started before it cannot put the old value back.
   * Throws L2UnavailableError when Redis cannot be reached (this instance's L1 copy is gone).
   */
  delete(key: string): Promise<void>;
  applyPolicy(policy: CachePolicy): void;
  setRedis(redis: RedisClient): void;
  revalidate(predicate?: (key: string, writtenAtMs: number) => boolean): number;
  /**
   * Distrusts Redis entries created in [fromMs, toMs): around a Redis promotion, the lost
   * primary may have acknowledged newer writes the new one never received. An L2 read of
   * such an entry serves it as stale-while-revalidate, so the first reader refreshes it
   * from the origin. Entries from before the window were replicated long ago and stay trusted.
   */
  distrustWrittenBetween(fromMs: number, toMs: number): void;
  /**
   * Drops L1 copies (all, or those `predicate` picks), so the next read of each goes to Redis.
   * After a promotion, fill notifications may have died with the old primary: re-reading
   * Redis is cheap, refreshing every copy from the origin is not. Returns how many were dropped.
   */
  evictL1(predicate?: (key: string, writtenAtMs: number) => boolean): number;
  warmup(
    keys: readonly string[],
    factory: Factory<unknown>,
    opts: WarmupOptions,
  ): Promise<{ warmed: number; failed: number }>;
  hotKeys(): readonly HotKey[];
  close(): Promise<void>;
}
