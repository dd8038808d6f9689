/** Runtime (parsed, millisecond) form of a CachePolicy, as the cache library applies it. */
import type { RenderedWarmup } from './warmup.js';

export interface KeyspacePolicy {
  readonly prefix: string;
  readonly ttlMs: number;
  readonly jitterMaxMs: number;
  readonly coalescing: {
    readonly local: boolean;
    readonly distributed: boolean;
    readonly leaseTtlMs: number;
    readonly waitTimeoutMs: number;
  };
  /** XFetch beta; null when early refresh is off. */
  readonly earlyRefreshBeta: number | null;
  readonly staleWhileRevalidateMs: number;
  readonly staleIfErrorMs: number;
  readonly negativeTtlMs: number;
  readonly originTimeoutMs: number;
  readonly l1: { readonly maxEntries: number; readonly ttlMs: number };
  /** null when hot-key handling is off. */
  readonly hotKeys: { readonly threshold: number; readonly windowMs: number; readonly replicas: number } | null;
}

export interface OriginPolicy {
  readonly maxConcurrency: number;
  readonly maxQueue: number;
  readonly failureThreshold: number;
  readonly resetAfterMs: number;
}

export interface WarmupPolicy {
  readonly onColdRedis: boolean;
  readonly topKeys: number;
  readonly ratePerSecond: number;
  readonly batchSize: number;
}

export interface FailoverPolicy {
  readonly enabled: boolean;
  readonly detectAfterMs: number;
  readonly checkIntervalMs: number;
}

/**
 * How the L2 Redis is deployed. `standalone`: one primary and its replicas, promoted by the
 * operator. `cluster`: a Redis Cluster, which fails over by itself; the operator only observes it.
 */
export const REDIS_MODES = ['standalone', 'cluster'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

export interface CachePolicy {
  /** CachePolicy name (metadata.name), or "local" for a file written by hand. */
  readonly name: string;
  /** metadata.generation of the CachePolicy this was rendered from; 0 for a hand-written file. */
  readonly generation: number;
  readonly targetRef: { readonly kind: 'Deployment' | 'StatefulSet'; readonly name: string };
  readonly keyspaces: readonly KeyspacePolicy[];
  readonly origin: OriginPolicy;
  readonly warmup: WarmupPolicy;
  readonly redis: { readonly statefulSetName: string | null; readonly mode: RedisMode; readonly failover: FailoverPolicy };
}

/**
 * The document the operator renders into a ConfigMap (key `policy.json`) and the services
 * read, from the API or a mounted file. `spec` is the CachePolicy spec verbatim.
 */
export interface RenderedPolicy {
  readonly apiVersion: 'herdguard.io/v1alpha1';
  readonly kind: 'RenderedCachePolicy';
  readonly policy: string;
  readonly namespace: string;
  readonly generation: number;
  readonly spec: unknown;
  /**
   * What the operator tells the services about their Redis. Standalone: where the primary is
   * now (`host:port`), which moves on promotion so services reconnect at once; `epoch` rises
   * with every promotion. Cluster: no primary (the cluster client follows the cluster's own
   * topology) and epoch 0 (nobody promotes). `warmup` is set after a cold Redis in both modes.
   */
  readonly redis?: RenderedStandaloneRedis | RenderedClusterRedis;
}

/** `rendered.redis` of a standalone Redis; `mode` is absent in documents from operators before Redis Cluster. */
export interface RenderedStandaloneRedis {
  readonly mode?: 'standalone';
  readonly primary: string;
  readonly epoch: number;
  readonly warmup?: RenderedWarmup;
}

/** `rendered.redis` of a Redis Cluster: only the warmup request, if any. */
export interface RenderedClusterRedis {
  readonly mode: 'cluster';
  readonly epoch: 0;
  readonly warmup?: RenderedWarmup;
}
