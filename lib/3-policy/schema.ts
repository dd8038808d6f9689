/**
 * The one definition of a CachePolicy spec. The CRD under crds/ is generated from it
 * (OpenAPI v3 + CEL), and the services validate their policy file with it (Ajv for the
 * structure, the TypeScript twin of each CEL rule in rules.ts for cross-field checks), so
 * the API server and a service never disagree about what a valid policy is; the agreement
 * test (lib/3-policy/agreement.kube.test.ts) checks that against a real API server.
 */
import { DEFAULTS } from './defaults.js';
import { DURATION_MAX_LENGTH, DURATION_MIN_LENGTH, DURATION_PATTERN } from '../1-ground/duration.js';
import { rulesAt, type RuleSite } from './rules.js';
import { REDIS_MODES } from './types.js';

export type JSONSchema = Record<string, unknown>;

const duration = (description: string, dflt?: string): JSONSchema => ({
  type: 'string',
  pattern: DURATION_PATTERN,
  minLength: DURATION_MIN_LENGTH,
  maxLength: DURATION_MAX_LENGTH,
  description: `${description} A duration such as 1500ms, 60s, 10m or 1h.`,
  ...(dflt === undefined ? {} : { default: dflt }),
});

export { crossFieldRules, type CrossFieldRule } from './rules.js';

const withRules = (at: RuleSite, schema: JSONSchema): JSONSchema => {
  const rules = rulesAt(at);
  return rules.length ? { ...schema, 'x-kubernetes-validations': rules } : schema;
};

export const keyspaceSchema: JSONSchema = withRules('keyspace', {
  type: 'object',
  description: 'Caching rules for every key that starts with prefix.',
  required: ['prefix', 'ttl'],
  additionalProperties: false,
  properties: {
    prefix: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_.:-]+$',
      description: 'Key prefix this keyspace governs, e.g. "user:". Letters, digits and _ . : - only.',
    },
    ttl: duration('Logical freshness of a value: after it, the value is stale. Between 1s and 8760h.'),
    jitter: withRules('jitter', {
      type: 'object',
      description: 'Uniform random extra lifetime in [0, max), so entries written together do not expire together.',
      additionalProperties: false,
      required: ['max'],
      properties: { max: duration('Upper bound of the jitter, at most 24h.', DEFAULTS.jitter.max) },
    }),
    coalescing: withRules('coalescing', {
      type: 'object',
      description: 'Single-flight: concurrent misses for one key make one origin call.',
      additionalProperties: false,
      properties: {
        local: { type: 'boolean', default: DEFAULTS.coalescing.local, description: 'Coalesce misses within one process.' },
        distributed: {
          type: 'boolean',
          default: DEFAULTS.coalescing.distributed,
          description: 'Coalesce across pods with a fenced Redis lease: one origin call per key in the fleet.',
        },
        leaseTTL: duration('How long a lease holder may take before another pod takes over, at most 10m; longer than originTimeout.', DEFAULTS.coalescing.leaseTTL),
        waitTimeout: duration('How long a pod waits for the lease holder before failing fast, at least 10ms.', DEFAULTS.coalescing.waitTimeout),
      },
    }),
    earlyRefresh: {
      type: 'object',
      description: 'Probabilistic early refresh (XFetch). Absent means off.',
      additionalProperties: false,
      required: ['beta'],
      properties: {
        beta: {
          type: 'string',
          pattern: '^[0-9]+(\\.[0-9]+)?$',
          maxLength: 16,
          description: 'XFetch beta as a decimal string, > 0 and <= 10. 1.0 is the usual choice; larger refreshes earlier.',
          'x-kubernetes-validations': [
            { rule: 'double(self) > 0.0 && double(self) <= 10.0', message: 'earlyRefresh.beta must be > 0 and <= 10' },
          ],
        },
      },
    },
    staleWhileRevalidate: duration('After ttl, serve the stale value this long while one refresh runs; at most 720h.', DEFAULTS.keyspace.staleWhileRevalidate),
    staleIfError: duration('After ttl, serve the stale value this long when the origin fails; at most 720h.', DEFAULTS.keyspace.staleIfError),
    negativeTTL: duration('How long a not-found answer is cached. 0s disables negative caching; at most 720h.', DEFAULTS.keyspace.negativeTTL),
    originTimeout: duration('Hard timeout of one origin call; the factory receives an AbortSignal. Between 10ms and 5m.', DEFAULTS.keyspace.originTimeout),
    l1: {
      type: 'object',
      description: 'In-process tier in front of Redis.',
      additionalProperties: false,
      properties: {
        maxEntries: {
          type: 'integer',
          minimum: 0,
          maximum: 1_000_000,
          default: DEFAULTS.l1.maxEntries,
          description: 'Entry bound of the in-process LRU. 0 disables L1.',
        },
        ttl: duration('How long a value stays in L1; at most the keyspace ttl.', DEFAULTS.l1.ttl),
      },
    },
    hotKeys: withRules('hotKeys', {
      type: 'object',
      description: 'Hot-key detection and replication. Absent means off.',
      additionalProperties: false,
      properties: {
        threshold: {
          type: 'integer',
          minimum: 1,
          maximum: 10_000_000,
          default: DEFAULTS.hotKeys.threshold,
          description: 'Requests per second on one key above which it is hot.',
        },
        window: duration('Sliding window over which rates are measured, between 1s and 1h.', DEFAULTS.hotKeys.window),
        replicas: {
          type: 'integer',
          minimum: 1,
          maximum: 64,
          default: DEFAULTS.hotKeys.replicas,
          description: 'Copies of a hot key in Redis; reads pick one, writes go to all. At most 64.',
        },
      },
    }),
  },
});

export const cachePolicySpecSchema: JSONSchema = withRules('spec', {
  type: 'object',
  description: 'How a service caches: per-keyspace rules, origin protection, warmup and Redis failover.',
  required: ['targetRef', 'keyspaces'],
  additionalProperties: false,
  properties: {
    targetRef: {
      type: 'object',
      description: 'The workload whose pods apply this policy.',
      required: ['kind', 'name'],
      additionalProperties: false,
      properties: {
        kind: { type: 'string', enum: ['Deployment', 'StatefulSet'], description: 'Deployment or StatefulSet.' },
        name: {
          type: 'string',
          minLength: 1,
          maxLength: 253,
          pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
          description: 'Name of the workload in the policy namespace.',
        },
      },
    },
    keyspaces: {
      type: 'array',
      minItems: 1,
      maxItems: 32,
      description: 'Keyspaces, matched by longest prefix. At most 32.',
      items: keyspaceSchema,
    },
    origin: withRules('origin', {
      type: 'object',
      description: 'Protects the origin itself: a concurrency limit and a circuit breaker.',
      additionalProperties: false,
      properties: {
        maxConcurrency: {
          type: 'integer',
          minimum: 1,
          maximum: 10_000,
          default: DEFAULTS.origin.maxConcurrency,
          description: 'Origin calls allowed at once per process; more queue, then fail fast.',
        },
        maxQueue: {
          type: 'integer',
          minimum: 0,
          maximum: 100_000,
          default: DEFAULTS.origin.maxQueue,
          description: 'Origin calls allowed to wait for a slot per process; beyond it they are rejected.',
        },
        failureThreshold: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: DEFAULTS.origin.failureThreshold,
          description: 'Consecutive origin failures that open the circuit breaker.',
        },
        resetAfter: duration('How long the breaker stays open before one trial call, between 100ms and 10m.', DEFAULTS.origin.resetAfter),
      },
    }),
    warmup: withRules('warmup', {
      type: 'object',
      description: 'Gradual warmup when Redis comes back empty.',
      additionalProperties: false,
      properties: {
        onColdRedis: { type: 'boolean', default: DEFAULTS.warmup.onColdRedis, description: 'Warm the top keys when Redis is found empty.' },
        topKeys: {
          type: 'integer',
          minimum: 0,
          maximum: 1_000_000,
          default: DEFAULTS.warmup.topKeys,
          description: 'How many of the most requested keys to warm.',
        },
        ratePerSecond: {
          type: 'integer',
          minimum: 1,
          maximum: 100_000,
          default: DEFAULTS.warmup.ratePerSecond,
          description: 'Origin fetches per second the warmup may make across the fleet.',
        },
        batchSize: {
          type: 'integer',
          minimum: 1,
          maximum: 10_000,
          default: DEFAULTS.warmup.batchSize,
          description: 'Keys fetched per warmup batch; at most ratePerSecond.',
        },
      },
    }),
    redis: {
      type: 'object',
      description: 'The Redis this policy caches in, and its failover.',
      additionalProperties: false,
      properties: {
        statefulSetRef: {
          type: 'object',
          description: 'The Redis StatefulSet (primary plus replicas).',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 63,
              pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
              description: 'StatefulSet name (its pods are named after it, so a DNS label).',
            },
          },
        },
        mode: {
          type: 'string',
          enum: [...REDIS_MODES],
          default: DEFAULTS.redis.mode,
          description:
            'How the Redis is deployed. standalone: one primary plus replicas; when the primary is lost the operator ' +
            'promotes a replica (failover below). cluster: a Redis Cluster (several primaries, each with replicas, the keys ' +
            'split by hash slot); Redis Cluster fails over by itself, so the operator never promotes (failover is ignored): ' +
            'it observes the cluster, reports its state and asks for a warmup after a cold start.',
        },
        failover: withRules('failover', {
          type: 'object',
          description: 'Automatic promotion of a replica when the primary is lost (mode standalone only).',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean', default: DEFAULTS.failover.enabled, description: 'Promote a replica when the primary is lost.' },
            detectAfter: duration('How long the primary must fail health checks before promotion, between 500ms and 5m.', DEFAULTS.failover.detectAfter),
            checkInterval: duration('Health-check period; at least 50ms and shorter than detectAfter.', DEFAULTS.failover.checkInterval),
          },
        }),
      },
    },
  },
});
