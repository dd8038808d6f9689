/**
 * Random CachePolicies for the agreement test, biased toward the edges where the API server
 * and the TypeScript twin could part ways: every bound of every rule, one nanosecond or one
 * millisecond either side, equal values across related fields, defaults left out, fractions
 * that go through Go's float64 path, and a few malformed values.
 */
import fc from 'fast-check';
import { parseDurationNs } from '../1-ground/duration.js';

const NS = { ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n } as const;
const d = (text: string): bigint => parseDurationNs(text) as bigint;

/** Spells `ns` in one of several forms; each parses back to exactly `ns` (checked). */
function spell(ns: bigint, style: number): string {
  const forms: Array<() => string | null> = [
    () => {
      const h = ns / NS.h;
      const m = (ns % NS.h) / NS.m;
      const s = (ns % NS.m) / NS.s;
      const rest = ns % NS.s;
      const msPart = rest === 0n ? '' : `${rest / NS.ms}${rest % NS.ms ? `.${String(rest % NS.ms).padStart(6, '0').replace(/0+$/, '')}` : ''}ms`;
      const text = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}${msPart}`;
      return text === '' ? '0s' : text;
    },
    () => (ns % NS.s === 0n && ns / NS.s <= 999_999n ? `${ns / NS.s}s` : null),
    () => (ns <= 999_999n * NS.ms ? `${ns / NS.ms}${ns % NS.ms ? `.${String(ns % NS.ms).padStart(6, '0')}` : ''}ms` : null),
    () => (ns <= 999_999n * NS.s ? `${ns / NS.s}.${String(ns % NS.s).padStart(9, '0')}s` : null),
  ];
  const canonical = forms[0]!() as string;
  const text = forms[style % forms.length]!() ?? canonical;
  return parseDurationNs(text) === ns ? text : canonical;
}

/**
 * `ns` in milliseconds plus a fraction of a nanosecond, e.g. "999.999999999ms": Go scales the
 * fraction through float64 and truncates, so these land exactly on (or one nanosecond off)
 * a bound only if the twin truncates as Go does. Not checked here, on purpose.
 */
const belowNs = (ns: bigint, junk: string): string =>
  ns > 999_999n * NS.ms ? spell(ns, 0) : `${ns / NS.ms}.${String(ns % NS.ms).padStart(6, '0')}${junk}ms`;

const fraction = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 9 });
/** Decimal durations such as "0.1h" or "1.000000001ms": Go scales these through float64. */
const decimal = fc
  .tuple(fc.integer({ min: 0, max: 999_999 }), fraction, fc.constantFrom('h', 'm', 's', 'ms'))
  .map(([i, f, u]) => `${i}.${f}${u}`);
const malformed = fc.constantFrom('', '0', '1d', '30m1h', '1s1s', '1000000s', '9999999h', '-1s', '1.s', '.5s', '1 s', '1us', '5S');

/**
 * Durations for a field whose rules accept [min, max]: mostly inside, often exactly on a
 * bound or one nanosecond or millisecond either side of it, sometimes a decimal spelling
 * (Go's float64 path) or a malformed string.
 */
function dur(min: string, max: string, typical = max): fc.Arbitrary<string> {
  const lo = d(min);
  const hi = d(max);
  const usual = d(typical);
  const edges = [lo, lo + 1n, lo + NS.ms, hi - NS.ms, hi - 1n, hi].filter((n) => n >= lo && n <= hi);
  const outside = [lo - 1n, lo - NS.ms, hi + 1n, hi + NS.ms, 0n].filter((n) => n >= 0n && (n < lo || n > hi));
  const spelled = (a: fc.Arbitrary<bigint>) => fc.tuple(a, fc.nat(3)).map(([n, st]) => spell(n, st));
  return fc.oneof(
    { weight: 40, arbitrary: spelled(fc.bigInt(lo, usual)) },
    { weight: 10, arbitrary: spelled(fc.bigInt(lo, hi)) },
    { weight: 12, arbitrary: spelled(fc.constantFrom(...edges)) },
    { weight: 2, arbitrary: spelled(fc.constantFrom(...outside)) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...edges, ...outside), fc.constantFrom('001', '499', '500', '999')).map(([n, j]) => belowNs(n, j)) },
    { weight: 3, arbitrary: decimal },
    { weight: 1, arbitrary: malformed },
  );
}

/** Integers in [min, max]: mostly inside or on a bound, sometimes one past it. */
const int = (min: number, max: number, ...inner: number[]) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min, max }) },
    { weight: 10, arbitrary: fc.constantFrom(min, min + 1, max - 1, max, ...inner.flatMap((e) => [e - 1, e, e + 1])) },
    { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1) },
  );

type Obj = Record<string, unknown>;
/** A record whose keys are each present or left out (so the defaults apply). */
const some = <T extends Obj>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(fields, { requiredKeys: [] });
/** Like `some`, with each key present one time in three: keyspaces set a few fields, not all. */
const few = <T extends Obj>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<Partial<T>> =>
  fc.tuple(some(fields), fc.array(fc.nat(2), { minLength: Object.keys(fields).length, maxLength: Object.keys(fields).length })).map(([r, keep]) => {
    const out: Partial<T> = {};
    Object.keys(fields).forEach((k, i) => {
      if (k in r && keep[i] !== 0) (out as Obj)[k] = r[k];
    });
    return out;
  });

/** Mostly a valid value, now and then one of `bad`. */
const mostly = <T>(good: fc.Arbitrary<T>, ...bad: T[]) => fc.oneof({ weight: 40, arbitrary: good }, { weight: 1, arbitrary: fc.constantFrom(...bad) });

const prefixArb = mostly(fc.constantFrom('user:', 'quote:', 'k:', 'a.b-c_d:', 'p'.repeat(64)), '', 'user 1', 'p'.repeat(65), 'ünï:');
const betaArb = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('0.0000001', '1', '1.0', '1.5', '10', '10.0', '0000000000000001') },
  { weight: 2, arbitrary: fc.constantFrom('0', '0.0', '10.0000000000001', '11') },
  { weight: 1, arbitrary: fc.constantFrom('abc', '1e3', '00000000000000001') },
);
const mostlyTrue = fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });

/** Keyspace fields are mostly left to their defaults, so a policy breaks few rules at once. */
const keyspaceArb = fc
  .tuple(
    fc.record({ prefix: prefixArb, ttl: dur('1s', '8760h', '1h') }),
    few({
      jitter: mostly<Obj>(fc.record({ max: dur('0s', '24h') }), {}),
      coalescing: some({ local: mostlyTrue, distributed: fc.boolean(), leaseTTL: dur('2s', '10m', '30s'), waitTimeout: dur('10ms', '3s', '2s') }),
      earlyRefresh: mostly<Obj>(fc.record({ beta: betaArb }), {}),
      staleWhileRevalidate: dur('0s', '720h'),
      staleIfError: dur('0s', '720h'),
      negativeTTL: dur('0s', '720h'),
      originTimeout: dur('10ms', '5m', '4s'),
      l1: some({ maxEntries: int(0, 1_000_000), ttl: dur('0s', '2m', '2s') }),
      hotKeys: some({ threshold: int(1, 10_000_000), window: dur('1s', '1h'), replicas: int(1, 64) }),
    }),
    fc.nat(15),
    fc.boolean(),
  )
  .map(([required, optional, nudge, unknown]) => {
    const k: Obj = { ...required, ...optional };
    relate(k, nudge);
    if (unknown && nudge === 0 && required.ttl.length % 7 === 0) k['colour'] = 'red';
    return k;
  });

/** Makes related fields equal (or one nanosecond apart) more often than chance would. */
function relate(k: Obj, nudge: number): void {
  const c = k['coalescing'] as Obj | undefined;
  const shift = (v: unknown, by: bigint) => {
    const n = parseDurationNs(String(v));
    return n === undefined || n + by < 0n ? v : spell(n + by, 0);
  };
  if (nudge === 1 && c && k['originTimeout'] !== undefined) c['leaseTTL'] = k['originTimeout'];
  if (nudge === 2 && c && k['originTimeout'] !== undefined) c['leaseTTL'] = shift(k['originTimeout'], 1n);
  if (nudge === 3 && c && c['waitTimeout'] !== undefined) c['leaseTTL'] = c['waitTimeout'];
  if (nudge === 4 && k['l1']) (k['l1'] as Obj)['ttl'] = k['ttl'];
  if (nudge === 5 && k['l1']) (k['l1'] as Obj)['ttl'] = shift(k['ttl'], 1n);
}

const failoverArb = fc
  .tuple(some({ enabled: fc.boolean(), detectAfter: dur('500ms', '5m', '10s'), checkInterval: dur('50ms', '1s', '500ms') }), fc.nat(7))
  .map(([f, nudge]) => {
    if (nudge === 0 && f.detectAfter !== undefined) f.checkInterval = f.detectAfter;
    return f;
  });

const specArb = fc
  .tuple(
    fc.record({
      targetRef: fc.record({
        kind: mostly(fc.constantFrom('Deployment', 'StatefulSet'), 'DaemonSet'),
        name: fc.constantFrom('profile', 'market-data', 'web'),
      }),
      // An empty list (minItems) now and then; mostly at least one keyspace.
      keyspaces: fc
        .tuple(keyspaceArb, fc.array(keyspaceArb, { maxLength: 2 }), fc.nat(39))
        .map(([one, more, n]) => (n === 0 ? [] : n < 24 ? [one] : [one, ...more])),
    }),
    some({
      origin: some({ maxConcurrency: int(1, 10_000), maxQueue: int(0, 100_000), failureThreshold: int(1, 1000), resetAfter: dur('100ms', '10m') }),
      warmup: some({ onColdRedis: fc.boolean(), topKeys: int(0, 1_000_000), ratePerSecond: int(1, 100_000, 100, 1000), batchSize: int(1, 1000, 100) }),
      redis: some({
        statefulSetRef: mostly<Obj>(fc.record({ name: fc.constantFrom('redis', 'r'.repeat(63)) }), { name: 'r'.repeat(64) }, { name: 'Redis' }, { name: 'redis-' }, {}),
        mode: mostly<string>(fc.constantFrom('standalone', 'cluster'), 'sentinel', 'Cluster', ''),
        failover: failoverArb,
      }),
    }),
  )
  .map(([required, optional]) => ({ ...required, ...optional }));

/** Names from 12 to 70 characters, most near the 63 the label allows. */
const nameLengthArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(62, 63, 64) },
  { weight: 30, arbitrary: fc.integer({ min: 12, max: 63 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 70 }) },
);

export interface RandomPolicy {
  readonly metadata: { readonly name: string };
  readonly spec: Obj;
}

/** `count` random policies, reproducible from `seed`; names are unique. */
export function randomPolicies(count: number, seed: number): RandomPolicy[] {
  const samples = fc.sample(fc.tuple(specArb, nameLengthArb), { numRuns: count, seed });
  return samples.map(([spec, length], i) => {
    const head = `p${i}-`;
    return { metadata: { name: head + 'x'.repeat(Math.max(1, length - head.length)) }, spec };
  });
}
