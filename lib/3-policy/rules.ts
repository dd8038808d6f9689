/**
 * The cross-field rules of a CachePolicy: each is a CEL rule for the CRD and the same
 * predicate in TypeScript for the services. Durations compare as integer nanoseconds on both
 * sides (see duration.ts), so the two agree on every value the pattern admits; a property
 * test sends random specs to a real API server and to this twin to keep it so.
 */
import { DEFAULTS } from './defaults.js';
import { parseDurationNs } from '../1-ground/duration.js';

/** Where a rule is attached: the CRD's root (metadata), the spec, or an object under it. */
export type RuleSite = 'root' | 'spec' | 'keyspace' | 'jitter' | 'hotKeys' | 'coalescing' | 'failover' | 'origin' | 'warmup';

/** A CEL rule for the CRD, with the same check in TypeScript for the policy file. */
export interface CrossFieldRule {
  readonly at: RuleSite;
  readonly rule: string;
  readonly message: string;
  /** The same predicate in TypeScript, over the defaulted object at `at`. */
  readonly holds: (self: Record<string, unknown>) => boolean;
  /** For a bound on one field: that field and what it accepts, so an error can name the field itself. */
  readonly field?: string;
  readonly accepts?: string;
}

type Obj = Record<string, unknown>;

/** Nanoseconds of a duration the pattern already accepted. */
const ns = (v: unknown): bigint => parseDurationNs(String(v)) as bigint;

/**
 * The operator writes the policy name into the herdguard.io/policy label of its rendered
 * ConfigMap (lib/3-policy/names.ts): label values hold at most 63 characters.
 */
export const MAX_POLICY_NAME_LENGTH = 63;

/** `min <= self.field <= max` (either bound optional), in CEL and in TypeScript. */
function within(at: RuleSite, field: string, min: string | null, max: string | null, why = ''): CrossFieldRule {
  const cel = [min && `duration(self.${field}) >= duration('${min}')`, max && `duration(self.${field}) <= duration('${max}')`];
  const relation = min && max ? `between ${min} and ${max}` : min ? `at least ${min}` : `at most ${max}`;
  const accepts = `${relation}${why ? ` (${why})` : ''}`;
  return {
    at,
    rule: cel.filter(Boolean).join(' && '),
    message: `${at === 'keyspace' ? '' : `${at}.`}${field} must be ${accepts}`,
    field,
    accepts,
    holds: (s) => (min === null || ns(s[field]) >= ns(min)) && (max === null || ns(s[field]) <= ns(max)),
  };
}

/** CEL for "the block's field, or its default when the optional block is absent". */
const orDefault = (block: 'coalescing' | 'l1', field: string, literal: string) =>
  `(has(self.${block}) ? self.${block}.${field} : ${literal})`;

const C = DEFAULTS.coalescing;
const L1 = DEFAULTS.l1;

export const crossFieldRules: readonly CrossFieldRule[] = [
  {
    at: 'root',
    rule: `self.metadata.name.size() <= ${MAX_POLICY_NAME_LENGTH}`,
    message: `metadata.name must be at most ${MAX_POLICY_NAME_LENGTH} characters (the operator writes it into a label of the rendered ConfigMap)`,
    holds: (s) => {
      const name = (s['metadata'] as Obj | undefined)?.['name'];
      return typeof name === 'string' && name.length <= MAX_POLICY_NAME_LENGTH;
    },
  },
  {
    at: 'spec',
    rule: 'self.keyspaces.all(a, self.keyspaces.exists_one(b, b.prefix == a.prefix))',
    message: 'keyspaces[].prefix must be unique within a policy',
    holds: (s) => {
      const prefixes = (s['keyspaces'] as { prefix: string }[]).map((k) => k.prefix);
      return new Set(prefixes).size === prefixes.length;
    },
  },
  within('keyspace', 'ttl', '1s', '8760h'),
  within('keyspace', 'staleWhileRevalidate', null, '720h'),
  within('keyspace', 'staleIfError', null, '720h'),
  within('keyspace', 'negativeTTL', null, '720h'),
  within('keyspace', 'originTimeout', '10ms', '5m', '0s aborts every origin call; a Node timer past 2^31-1 ms fires at once'),
  {
    at: 'keyspace',
    rule:
      `(has(self.coalescing) && !self.coalescing.distributed) || ` +
      `duration(${orDefault('coalescing', 'leaseTTL', `'${C.leaseTTL}'`)}) > duration(self.originTimeout)`,
    message:
      `coalescing.leaseTTL (default ${C.leaseTTL}) must be longer than originTimeout when coalescing.distributed is true ` +
      '(a lease that expires while its holder still calls the origin lets a second leader start)',
    holds: (s) => {
      const c = (s['coalescing'] as Obj | undefined) ?? C;
      return !c['distributed'] || ns(c['leaseTTL']) > ns(s['originTimeout']);
    },
  },
  {
    at: 'keyspace',
    rule:
      `${orDefault('l1', 'maxEntries', String(L1.maxEntries))} == 0 || ` +
      `duration(${orDefault('l1', 'ttl', `'${L1.ttl}'`)}) <= duration(self.ttl)`,
    message: `l1.ttl (default ${L1.ttl}) must not exceed ttl unless l1.maxEntries is 0 (L1 would outlive the shared copy)`,
    holds: (s) => {
      const l1 = (s['l1'] as Obj | undefined) ?? L1;
      return l1['maxEntries'] === 0 || ns(l1['ttl']) <= ns(s['ttl']);
    },
  },
  within('jitter', 'max', null, '24h'),
  {
    at: 'coalescing',
    rule: 'duration(self.leaseTTL) > duration(self.waitTimeout)',
    message: 'coalescing.leaseTTL must be longer than coalescing.waitTimeout, so a slow but live leader is never replaced while its waiters still wait',
    holds: (s) => ns(s['leaseTTL']) > ns(s['waitTimeout']),
  },
  {
    at: 'coalescing',
    rule: '!self.distributed || self.local',
    message: 'coalescing.distributed requires coalescing.local (the lease is taken once per process, by the local leader)',
    holds: (s) => !s['distributed'] || Boolean(s['local']),
  },
  within('coalescing', 'leaseTTL', null, '10m', 'a dead holder blocks its key for that long'),
  within('coalescing', 'waitTimeout', '10ms', null, '0s makes every waiter give up at once'),
  within('hotKeys', 'window', '1s', '1h'),
  within('failover', 'detectAfter', '500ms', '5m'),
  within('failover', 'checkInterval', '50ms', null, '0s is a busy loop of health checks'),
  {
    at: 'failover',
    rule: 'duration(self.checkInterval) < duration(self.detectAfter)',
    message: 'failover.checkInterval must be shorter than failover.detectAfter (a single missed ping never promotes)',
    holds: (s) => ns(s['checkInterval']) < ns(s['detectAfter']),
  },
  within('origin', 'resetAfter', '100ms', '10m', 'an open breaker must rest, and not cut the origin off for hours'),
  {
    at: 'warmup',
    rule: 'self.batchSize <= self.ratePerSecond',
    message: 'warmup.batchSize must not exceed warmup.ratePerSecond (a batch starts at once, so a larger one bursts past the rate)',
    holds: (s) => (s['batchSize'] as number) <= (s['ratePerSecond'] as number),
  },
];

/** The x-kubernetes-validations list for one site. */
export const rulesAt = (at: RuleSite): Array<{ rule: string; message: string }> =>
  crossFieldRules.filter((r) => r.at === at).map((r) => ({ rule: r.rule, message: r.message }));
