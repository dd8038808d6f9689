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

export interface CachePolicy {
  /** CachePolicy name (metadata.name), or "local" for a file written by hand. */
  readonly name: string;
  /** metadata.generation of the CachePolicy this was rendered from; 0 for a hand-written file. */
  readonly generation: number;
  readonly targetRef: { readonly kind: 'Deployment' | 'StatefulSet'; readonly name: string };
  readonly keyspaces: readonly KeyspacePolicy[];
  readonly origin: OriginPolicy;
  readonly warmup: WarmupPolicy;
  readonly redis: { readonly statefulSetName: string | null; readonly failover: FailoverPolicy };
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
   * Where the Redis primary is now (`host:port`); moves on promotion so services reconnect
   * at once. `epoch` rises with every promotion; `warmup` is set after a cold Redis.
   */
  readonly redis?: {
    readonly primary: string;
    readonly epoch: number;
    readonly warmup?: RenderedWarmup;
  };
}
