import { parseDuration } from '../1-ground/duration.js';
import type { FailoverPolicy, WarmupPolicy } from './types.js';

/**
 * Every default of a CachePolicy spec, named once: the schema publishes them (the API
 * server and Ajv fill them in), and the cross-field rules read them where an optional block
 * is absent, because then nothing fills its fields but the service still runs with them.
 */
export const DEFAULTS = {
  keyspace: { staleWhileRevalidate: '0s', staleIfError: '0s', negativeTTL: '0s', originTimeout: '2s' },
  jitter: { max: '0s' },
  coalescing: { local: true, distributed: true, leaseTTL: '5s', waitTimeout: '2s' },
  l1: { maxEntries: 10_000, ttl: '2s' },
  hotKeys: { threshold: 1000, window: '60s', replicas: 4 },
  origin: { maxConcurrency: 16, maxQueue: 1000, failureThreshold: 5, resetAfter: '5s' },
  warmup: { onColdRedis: true, topKeys: 10_000, ratePerSecond: 1000, batchSize: 100 },
  failover: { enabled: true, detectAfter: '1500ms', checkInterval: '250ms' },
  redis: { mode: 'standalone' },
} as const;

const ms = (d: string): number => parseDuration(d) as number;

/**
 * The parsed failover and warmup settings of a spec that sets none, for what must run
 * before (or without) a parsed policy: a service following Redis before its first policy
 * arrives, the operator watching a Redis whose policy it cannot parse.
 */
export const DEFAULT_FAILOVER: FailoverPolicy = {
  enabled: DEFAULTS.failover.enabled,
  detectAfterMs: ms(DEFAULTS.failover.detectAfter),
  checkIntervalMs: ms(DEFAULTS.failover.checkInterval),
};
export const DEFAULT_WARMUP: WarmupPolicy = DEFAULTS.warmup;
