/**
 * The one definition of a CachePolicy spec. The CRD under crds/ is generated from it
 * (OpenAPI v3 + CEL), and the services validate their policy file with it (Ajv for the
 * structure, the TypeScript twin of each CEL rule for cross-field checks), so the API
 * server and a service can never disagree about what a valid policy is.
 */
import { DURATION_PATTERN } from './duration.js';

export type JSONSchema = Record<string, unknown>;

const duration = (description: string, dflt?: string): JSONSchema => ({
  type: 'string',
  pattern: DURATION_PATTERN,
  description: `${description} A duration such as 1500ms, 60s, 10m or 1h.`,
  ...(dflt === undefined ? {} : { default: dflt }),
});

/** A CEL rule for the CRD, with the same check in TypeScript for the policy file. */
export interface CrossFieldRule {
  /** Path of the object the rule is attached to, e.g. "spec.keyspaces[*]". */
  readonly at: 'spec' | 'keyspace' | 'jitter' | 'hotKeys' | 'coalescing' | 'failover';
  readonly rule: string;
  readonly message: string;
  /** The same predicate in TypeScript, over the parsed runtime-shaped object at `at`. */
  readonly holds: (self: Record<string, unknown>) => boolean;
}

const MAX_JITTER_MS = 24 * 3_600_000;
const ms = (v: unknown): number => {
  // Mirrors CEL duration(): called only on strings the pattern already accepted.
  const m = String(v).match(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g) ?? [];
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return m.reduce((sum, part) => {
    const [, n, u] = part.match(/([0-9.]+)(ms|s|m|h)/) as RegExpMatchArray;
    return sum + Number(n) * (unit[u as string] as number);
  }, 0);
};

export const crossFieldRules: readonly CrossFieldRule[] = [
  {
    at: 'spec',
    rule: 'self.keyspaces.all(a, self.keyspaces.exists_one(b, b.prefix == a.prefix))',
    message: 'keyspaces[].prefix must be unique within a policy',
    holds: (s) => {
      const prefixes = (s['keyspaces'] as { prefix: string }[]).map((k) => k.prefix);
      return new Set(prefixes).size === prefixes.length;
    },
  },
  {
    at: 'jitter',
    rule: "duration(self.max) <= duration('24h')",
    message: 'jitter.max must be at most 24h',
    holds: (s) => ms(s['max']) <= MAX_JITTER_MS,
  },
  {
    at: 'coalescing',
    rule: 'duration(self.leaseTTL) > duration(self.waitTimeout)',
    message: 'coalescing.leaseTTL must be longer than coalescing.waitTimeout, so a slow but live leader is never replaced while its waiters still wait',
    holds: (s) => ms(s['leaseTTL']) > ms(s['waitTimeout']),
  },
  {
    at: 'coalescing',
    rule: '!self.distributed || self.local',
    message: 'coalescing.distributed requires coalescing.local (the lease is taken once per process, by the local leader)',
    holds: (s) => !s['distributed'] || Boolean(s['local']),
  },
  {
    at: 'keyspace',
    rule: "duration(self.ttl) >= duration('1s')",
    message: 'ttl must be at least 1s',
    holds: (s) => ms(s['ttl']) >= 1000,
  },
  {
    at: 'keyspace',
    rule: '!has(self.l1) || duration(self.l1.ttl) <= duration(self.ttl)',
    message: 'l1.ttl must not exceed the keyspace ttl (L1 would outlive the shared copy)',
    holds: (s) => s['l1'] === undefined || ms((s['l1'] as Record<string, unknown>)['ttl']) <= ms(s['ttl']),
  },
  {
    at: 'hotKeys',
    rule: "duration(self.window) >= duration('1s') && duration(self.window) <= duration('1h')",
    message: 'hotKeys.window must be between 1s and 1h',
    holds: (s) => ms(s['window']) >= 1000 && ms(s['window']) <= 3_600_000,
  },
  {
    at: 'failover',
    rule: "duration(self.detectAfter) >= duration('500ms') && duration(self.detectAfter) <= duration('5m')",
    message: 'failover.detectAfter must be between 500ms and 5m',
    holds: (s) => ms(s['detectAfter']) >= 500 && ms(s['detectAfter']) <= 300_000,
  },
  {
    at: 'failover',
    rule: 'duration(self.checkInterval) < duration(self.detectAfter)',
    message: 'failover.checkInterval must be shorter than failover.detectAfter (a single missed ping never promotes)',
    holds: (s) => ms(s['checkInterval']) < ms(s['detectAfter']),
  },
];

const rulesAt = (at: CrossFieldRule['at']) =>
  crossFieldRules.filter((r) => r.at === at).map((r) => ({ rule: r.rule, message: r.message }));

const withRules = (at: CrossFieldRule['at'], schema: JSONSchema): JSONSchema => {
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
    ttl: duration('Logical freshness of a value: after it, the value is stale.'),
    jitter: withRules('jitter', {
      type: 'object',
      description: 'Uniform random extra lifetime in [0, max), so entries written together do not expire together.',
      additionalProperties: false,
      required: ['max'],
      properties: { max: duration('Upper bound of the jitter, at most 24h.', '0s') },
    }),
    coalescing: withRules('coalescing', {
      type: 'object',
      description: 'Single-flight: concurrent misses for one key make one origin call.',
      additionalProperties: false,
      properties: {
        local: { type: 'boolean', default: true, description: 'Coalesce misses within one process.' },
        distributed: {
          type: 'boolean',
          default: true,
          description: 'Coalesce across pods with a fenced Redis lease: one origin call per key in the fleet.',
        },
        leaseTTL: duration('How long a lease holder may take before another pod takes over.', '5s'),
        waitTimeout: duration('How long a pod waits for the lease holder before failing fast.', '2s'),
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
          description: 'XFetch beta as a decimal string, > 0 and <= 10. 1.0 is the usual choice; larger refreshes earlier.',
          'x-kubernetes-validations': [
            { rule: 'double(self) > 0.0 && double(self) <= 10.0', message: 'earlyRefresh.beta must be > 0 and <= 10' },
          ],
        },
      },
    },
    staleWhileRevalidate: duration('After ttl, serve the stale value this long while one refresh runs.', '0s'),
    staleIfError: duration('After ttl, serve the stale value this long when the origin fails.', '0s'),
    negativeTTL: duration('How long a not-found answer is cached. 0s disables negative caching.', '0s'),
    originTimeout: duration('Hard timeout of one origin call; the factory receives an AbortSignal.', '2s'),
    l1: {
      type: 'object',
      description: 'In-process tier in front of Redis.',
      additionalProperties: false,
      properties: {
        maxEntries: {
          type: 'integer',
          minimum: 0,
          maximum: 1_000_000,
          default: 10_000,
          description: 'Entry bound of the in-process LRU. 0 disables L1.',
        },
        ttl: duration('How long a value stays in L1.', '2s'),
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
          default: 1000,
          description: 'Requests per second on one key above which it is hot.',
        },
        window: duration('Sliding window over which rates are measured.', '60s'),
        replicas: {
          type: 'integer',
          minimum: 1,
          maximum: 64,
          default: 4,
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
    origin: {
      type: 'object',
      description: 'Protects the origin itself: a concurrency limit and a circuit breaker.',
      additionalProperties: false,
      properties: {
        maxConcurrency: {
          type: 'integer',
          minimum: 1,
          maximum: 10_000,
          default: 16,
          description: 'Origin calls allowed at once per process; more queue, then fail fast.',
        },
        maxQueue: {
          type: 'integer',
          minimum: 0,
          maximum: 100_000,
          default: 1000,
          description: 'Origin calls allowed to wait for a slot per process; beyond it they are rejected.',
        },
        failureThreshold: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 5,
          description: 'Consecutive origin failures that open the circuit breaker.',
        },
        resetAfter: duration('How long the breaker stays open before one trial call.', '5s'),
      },
    },
    warmup: {
      type: 'object',
      description: 'Gradual warmup when Redis comes back empty.',
      additionalProperties: false,
      properties: {
        onColdRedis: { type: 'boolean', default: true, description: 'Warm the top keys when Redis is found empty.' },
        topKeys: {
          type: 'integer',
          minimum: 0,
          maximum: 1_000_000,
          default: 10_000,
          description: 'How many of the most requested keys to warm.',
        },
        ratePerSecond: {
          type: 'integer',
          minimum: 1,
          maximum: 100_000,
          default: 1000,
          description: 'Origin fetches per second the warmup may make across the fleet.',
        },
        batchSize: {
          type: 'integer',
          minimum: 1,
          maximum: 10_000,
          default: 100,
          description: 'Keys fetched per warmup batch.',
        },
      },
    },
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
          properties: { name: { type: 'string', minLength: 1, maxLength: 253, description: 'StatefulSet name.' } },
        },
        failover: withRules('failover', {
          type: 'object',
          description: 'Automatic promotion of a replica when the primary is lost.',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean', default: true, description: 'Promote a replica when the primary is lost.' },
            detectAfter: duration('How long the primary must fail health checks before promotion.', '1500ms'),
            checkInterval: duration('Health-check period; must be shorter than detectAfter.', '250ms'),
          },
        }),
      },
    },
  },
});
