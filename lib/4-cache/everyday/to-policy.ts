/**
 * createCache() options → a CachePolicy, through the CRD's own validation (specProblems):
 * the options become a spec, and the first problem found comes back as an InvalidOptionError
 * naming the option as the caller wrote it, what is accepted and the value they gave.
 */
import { parseDuration, formatDuration } from '../../1-ground/duration.js';
import { InvalidOptionError } from '../../1-ground/errors.js';
import { parsePolicySpec } from '../../3-policy/load.js';
import { specProblems, type SpecProblem } from '../../3-policy/problems.js';
import type { CachePolicy } from '../../3-policy/types.js';
import type { CacheOptions } from './options.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const DURATION = 'a duration: a string such as 1500ms, 60s, 10m or 1h, or a whole number of milliseconds';
const PREFIX = 'keyed by prefixes of 1 to 64 characters (letters, digits and _ . : -)';

/** Duration fields, per block of a keyspace ('' is the keyspace itself) and of the origin. */
const KEYSPACE_DURATIONS: Readonly<Record<string, readonly string[]>> = {
  '': ['ttl', 'staleWhileRevalidate', 'staleIfError', 'negativeTTL', 'originTimeout'],
  jitter: ['max'],
  coalescing: ['leaseTTL', 'waitTimeout'],
  l1: ['ttl'],
  hotKeys: ['window'],
};
const ORIGIN_DURATIONS = ['resetAfter'];

/** `options.keyspaces["user:"].l1.ttl` from ['keyspaces', 'user:', 'l1', 'ttl']. */
function optionName(path: readonly string[]): string {
  return ['options', ...path.map((s, i) => (i === 1 && path[0] === 'keyspaces' ? `[${JSON.stringify(s)}]` : `.${s}`))].join('');
}

/** A copy of `block` with its duration fields as the spec's strings; a bad one throws, named. */
function durations(block: unknown, fields: readonly string[], path: readonly string[]): unknown {
  if (!isObj(block)) return block; // the spec's own check names a non-object
  const out: Obj = { ...block };
  for (const f of fields) {
    const v = block[f];
    if (v === undefined) continue;
    const ok = typeof v === 'number' ? Number.isSafeInteger(v) && v >= 0 : typeof v === 'string' && parseDuration(v) !== undefined;
    if (!ok) throw new InvalidOptionError(optionName([...path, f]), DURATION, v);
    if (typeof v === 'number') out[f] = formatDuration(v);
  }
  return out;
}

function keyspaceSpec(prefix: string, ks: unknown): Obj {
  const path = ['keyspaces', prefix];
  if (!isObj(ks)) throw new InvalidOptionError(optionName(path), 'an object of keyspace options such as { ttl: "5m" }', ks);
  if ('prefix' in ks) throw new InvalidOptionError(optionName([...path, 'prefix']), 'absent (the prefix is the key in options.keyspaces)', ks['prefix']);
  const out = durations(ks, KEYSPACE_DURATIONS[''] ?? [], path) as Obj;
  for (const [block, fields] of Object.entries(KEYSPACE_DURATIONS)) {
    if (block !== '' && ks[block] !== undefined) out[block] = durations(ks[block], fields, [...path, block]);
  }
  const early = ks['earlyRefresh'];
  // The CRD carries beta as a decimal string (no floats in Kubernetes APIs); code may pass a number.
  if (isObj(early) && typeof early['beta'] === 'number') out['earlyRefresh'] = { ...early, beta: String(early['beta']) };
  return { ...out, prefix };
}

/** The spec path of a problem as the options' path: spec.keyspaces[0].ttl → ['keyspaces', 'user:', 'ttl']. */
function optionPath(specPath: string, prefixes: readonly string[]): string[] {
  return specPath
    .split('.')
    .slice(1)
    .flatMap((part) => {
      const m = /^keyspaces\[(\d+)\]$/.exec(part);
      return m ? ['keyspaces', prefixes[Number(m[1])] ?? ''] : [part];
    });
}

function valueAt(o: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), o);
}

function optionError(p: SpecProblem, options: CacheOptions, prefixes: readonly string[]): InvalidOptionError {
  const path = optionPath(p.path, prefixes);
  if (path[0] === 'keyspaces' && path[2] === 'prefix') return new InvalidOptionError('options.keyspaces', PREFIX, path[1]);
  return new InvalidOptionError(optionName(path), p.expected, valueAt(options, path));
}

/**
 * The CachePolicy these options describe. Throws InvalidOptionError for the first bad
 * keyspace or origin option; the other options are the cache's to check.
 */
export function policyFromOptions(options: Pick<CacheOptions, 'keyspaces' | 'origin'>): CachePolicy {
  const keyspaces: unknown = options.keyspaces;
  if (!isObj(keyspaces) || Object.keys(keyspaces).length === 0) {
    throw new InvalidOptionError('options.keyspaces', 'an object mapping key prefixes to keyspace options, e.g. { "user:": { ttl: "5m" } }', keyspaces);
  }
  const prefixes = Object.keys(keyspaces);
  const spec: Obj = {
    // The cache never reads targetRef: it names the pods a CachePolicy object applies to.
    targetRef: { kind: 'Deployment', name: 'local' },
    keyspaces: prefixes.map((prefix) => keyspaceSpec(prefix, keyspaces[prefix])),
  };
  if (options.origin !== undefined) spec['origin'] = durations(options.origin, ORIGIN_DURATIONS, ['origin']);
  const [first] = specProblems(spec);
  if (first !== undefined) throw optionError(first, options as CacheOptions, prefixes);
  return parsePolicySpec(spec, { name: 'local' });
}
