/**
 * The options of createCache(): a CachePolicy's keyspaces and origin guard written in code,
 * field for field as the CRD names them (docs and errors stay one vocabulary), without the
 * Kubernetes parts. Durations may also be given as milliseconds.
 */
import type { RedisClient } from '../l2/redis-client.js';
import type { Registry } from 'prom-client';
import type { Logger } from '../../1-ground/log.js';

/** A string such as '1500ms', '60s', '5m' or '1h30m', or a whole number of milliseconds. */
export type Duration = string | number;

/** How the keys under one prefix are cached. Only `ttl` is required; the defaults are the CRD's. */
export interface KeyspaceOptions {
  /** How long a value is fresh: 1s to 8760h. */
  readonly ttl: Duration;
  /** Each write lives up to this much longer, at random, so keys written together do not expire together (≤ 24h). */
  readonly jitter?: { readonly max: Duration };
  /** After ttl, serve the stale value this long while one background refresh runs (default 0s, ≤ 720h). */
  readonly staleWhileRevalidate?: Duration;
  /** After ttl, serve the stale value this long when the origin fails (default 0s, ≤ 720h). */
  readonly staleIfError?: Duration;
  /** How long a NOT_FOUND answer is cached; 0s (the default) caches none (≤ 720h). */
  readonly negativeTTL?: Duration;
  /** Hard timeout of one factory call; its signal aborts then (default 2s, 10ms to 5m). */
  readonly originTimeout?: Duration;
  /** Probabilistic early refresh (XFetch) with this beta, > 0 and ≤ 10 (1 is usual); absent means off. */
  readonly earlyRefresh?: { readonly beta: number | string };
  readonly coalescing?: {
    /** One factory call per key within the process (default true). */
    readonly local?: boolean;
    /** One factory call per key across every process sharing the Redis, under a fenced lease (default true). */
    readonly distributed?: boolean;
    /** How long a lease holder may take before another process takes over (default 5s); longer than originTimeout. */
    readonly leaseTTL?: Duration;
    /** How long a process waits for the lease holder before failing fast (default 2s); shorter than leaseTTL. */
    readonly waitTimeout?: Duration;
  };
  readonly l1?: {
    /** Entries kept in process (default 10 000); 0 disables L1. */
    readonly maxEntries?: number;
    /** How long an L1 copy is served without asking Redis (default 2s, ≤ ttl). */
    readonly ttl?: Duration;
  };
  /** Hot-key detection and replication; absent means off, {} means on with the defaults. */
  readonly hotKeys?: {
    /** Requests per second on one key above which it is hot (default 1000). */
    readonly threshold?: number;
    /** Window the rate is measured over (default 60s, 1s to 1h). */
    readonly window?: Duration;
    /** Copies of a hot key in Redis, reads spread over them (default 4, ≤ 64). */
    readonly replicas?: number;
  };
}

/** Protects the origin itself, per process. */
export interface OriginOptions {
  /** Factory calls running at once (default 16); more wait in a queue. */
  readonly maxConcurrency?: number;
  /** Factory calls allowed to wait for a slot (default 1000); more are rejected at once. */
  readonly maxQueue?: number;
  /** Consecutive failures that open the circuit breaker (default 5). */
  readonly failureThreshold?: number;
  /** How long the open breaker rests before one trial call (default 5s, 100ms to 10m). */
  readonly resetAfter?: Duration;
}

export interface CacheOptions {
  /**
   * Where L2 lives: an ioredis client (yours: you close it), a redis:// or rediss:// URL (the
   * cache opens a client that fails fast and closes it in close()), or null for L1 only.
   */
  readonly redis: RedisClient | string | null;
  /** Key prefix → how its keys are cached; a key is governed by its longest matching prefix. */
  readonly keyspaces: Readonly<Record<string, KeyspaceOptions>>;
  readonly origin?: OriginOptions;
  /**
   * The `service` label of the metrics, and the name of the Redis channel that tells every
   * process of a fill or delete: processes that share keys must share it (default 'herdguard').
   */
  readonly service?: string;
  /** The `origin` label of the metrics (default 'origin'). */
  readonly originName?: string;
  /** prom-client registry for the cache's metrics (default: a registry of its own). */
  readonly registry?: Registry;
  /** Where warnings go (default: nowhere). */
  readonly logger?: Logger;
}

/** Per call. */
export interface GetOrSetOptions {
  /** Stops waiting when it aborts (rejecting with its reason); a fill already running goes on for other callers. */
  readonly signal?: AbortSignal;
}
