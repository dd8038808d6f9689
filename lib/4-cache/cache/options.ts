/**
 * Checks createCache() options when the cache is built, undici-style: each message names the
 * option, what is accepted and what arrived.
 */
import { InvalidOptionError } from '../../1-ground/errors.js';
import type { CacheOptions } from './types.js';

const isFn = (v: unknown): boolean => typeof v === 'function';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
/** JSON.stringify cannot show functions or symbols; name their type instead. */
const shown = (v: unknown): unknown =>
  typeof v === 'function' || typeof v === 'symbol' ? `<${typeof v}>` : v;

function check(ok: boolean, option: string, expected: string, got: unknown): void {
  if (!ok) throw new InvalidOptionError(option ? `options.${option}` : 'options', expected, shown(got));
}

type Rule = readonly [
  option: string,
  expected: string,
  ok: (v: unknown) => boolean,
  show?: (v: unknown) => unknown,
];

const hasMethods =
  (...names: string[]) =>
  (v: unknown): boolean =>
    isObj(v) && names.every((n) => isFn(v[n]));
const optional =
  (ok: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === undefined || ok(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v !== '';
const summary = (what: string) => (v: unknown) => (isObj(v) ? what : v);

const RULES: readonly Rule[] = [
  ['service', 'a non-empty string', nonEmpty],
  [
    'redis',
    'an ioredis client or null',
    (v) => v === null || hasMethods('get', 'evalsha', 'duplicate')(v),
    summary('<object without ioredis methods>'),
  ],
  [
    'policy',
    'a CachePolicy from parsePolicySpec()',
    (v) => isObj(v) && Array.isArray(v['keyspaces']) && isObj(v['origin']),
    summary('<object without keyspaces/origin>'),
  ],
  ['originName', 'a non-empty string', optional(nonEmpty)],
  ['registry', 'a prom-client Registry', optional(hasMethods('registerMetric')), summary('<other object>')],
  ['clock', 'an object with now(): number', optional(hasMethods('now'))],
  ['random', 'a function returning [0, 1)', optional(isFn)],
  ['logger', 'a Logger', optional(hasMethods('warn', 'child')), summary('<other object>')],
];

export function validateCacheOptions(o: unknown): asserts o is CacheOptions {
  check(isObj(o), '', 'an object', o);
  const opts = o as Record<string, unknown>;
  for (const [option, expected, ok, show] of RULES) {
    const v = opts[option];
    check(ok(v), option, expected, show ? show(v) : v);
  }
}

export function validateWarmupOptions(o: { ratePerSecond: unknown; batchSize: unknown }): void {
  const posInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  check(posInt(o.ratePerSecond), 'ratePerSecond', 'a positive integer', o.ratePerSecond);
  check(posInt(o.batchSize), 'batchSize', 'a positive integer', o.batchSize);
}
