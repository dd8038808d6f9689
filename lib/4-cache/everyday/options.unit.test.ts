import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../1-ground/errors.js';
import { parsePolicySpec } from '../../3-policy/load.js';
import { keyspaceSchema } from '../../3-policy/schema.js';
import { createCache } from './everyday-cache.js';
import type { CacheOptions, KeyspaceOptions } from './options.js';
import { policyFromOptions } from './to-policy.js';

/** Every field the CRD's keyspace offers, each away from its default. */
const EVERY_FIELD: KeyspaceOptions = {
  ttl: '5m',
  jitter: { max: '10s' },
  staleWhileRevalidate: '30s',
  staleIfError: '1h',
  negativeTTL: '20s',
  originTimeout: '1s',
  earlyRefresh: { beta: 1.5 },
  coalescing: { local: true, distributed: false, leaseTTL: '4s', waitTimeout: '500ms' },
  l1: { maxEntries: 50, ttl: '3s' },
  hotKeys: { threshold: 10, window: '5s', replicas: 2 },
};

const errorOf = (options: unknown): InvalidOptionError => {
  try {
    const cache = createCache(options as CacheOptions);
    void cache.close();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    return err as InvalidOptionError;
  }
  throw new Error(`expected createCache(${JSON.stringify(options)}) to throw`);
};
const withKeyspace = (ks: Record<string, unknown>): unknown => ({ redis: null, keyspaces: { 'user:': { ttl: '60s', ...ks } } });

describe('createCache options', () => {
  it('offer every field of the CRD keyspace but its prefix, which is the key', () => {
    const crdFields = Object.keys(keyspaceSchema['properties'] as object).filter((f) => f !== 'prefix');
    expect(Object.keys(EVERY_FIELD).sort()).toEqual(crdFields.sort());
  });

  it('make the policy the CRD spec with the same fields makes, defaults included', () => {
    const fromOptions = policyFromOptions({ keyspaces: { 'user:': EVERY_FIELD, 'feed:': { ttl: '1s', l1: { maxEntries: 0 } } }, origin: { maxConcurrency: 4 } });
    const fromSpec = parsePolicySpec({
      targetRef: { kind: 'Deployment', name: 'local' },
      keyspaces: [
        { prefix: 'user:', ...EVERY_FIELD, earlyRefresh: { beta: '1.5' } },
        { prefix: 'feed:', ttl: '1s', l1: { maxEntries: 0 } },
      ],
      origin: { maxConcurrency: 4 },
    });
    expect(fromOptions).toEqual({ ...fromSpec, name: 'local' });
    expect(fromOptions.keyspaces[1]).toMatchObject({ ttlMs: 1000, originTimeoutMs: 2000, coalescing: { leaseTtlMs: 5000, waitTimeoutMs: 2000 } });
  });

  it('take durations as milliseconds too', () => {
    const p = policyFromOptions({
      keyspaces: { 'k:': { ttl: 300_000, jitter: { max: 1500 }, staleIfError: 0, coalescing: { waitTimeout: 250 }, hotKeys: { window: 2000 } } },
      origin: { resetAfter: 750 },
    });
    expect(p.keyspaces[0]).toMatchObject({ ttlMs: 300_000, jitterMaxMs: 1500, staleIfErrorMs: 0, coalescing: { waitTimeoutMs: 250 }, hotKeys: { windowMs: 2000 } });
    expect(p.origin.resetAfterMs).toBe(750);
  });

  it.each([
    ['a duration in words', withKeyspace({ ttl: '5 minutes' }), 'options.keyspaces["user:"].ttl', 'a duration: a string such as 1500ms', '5 minutes'],
    ['negative milliseconds', withKeyspace({ staleIfError: -1 }), 'options.keyspaces["user:"].staleIfError', 'a whole number of milliseconds', -1],
    ['a ttl under the CRD minimum, in ms', withKeyspace({ ttl: 500 }), 'options.keyspaces["user:"].ttl', 'between 1s and 8760h', 500],
    ['no ttl', { redis: null, keyspaces: { 'user:': {} } }, 'options.keyspaces["user:"].ttl', 'set (a required field)', undefined],
    ['a stale window over 30 days', withKeyspace({ staleIfError: '721h' }), 'options.keyspaces["user:"].staleIfError', 'at most 720h', '721h'],
    ['a nested bound', withKeyspace({ coalescing: { leaseTTL: '11m', waitTimeout: '1s' } }), 'options.keyspaces["user:"].coalescing.leaseTTL', 'at most 10m', '11m'],
    ['an unknown field', withKeyspace({ colour: 'red' }), 'options.keyspaces["user:"].colour', 'absent (no such field)', 'red'],
    ['a wrong type', withKeyspace({ coalescing: { distributed: 'yes' } }), 'options.keyspaces["user:"].coalescing.distributed', 'boolean', 'yes'],
    ['a fraction of an entry', withKeyspace({ l1: { maxEntries: 1.5 } }), 'options.keyspaces["user:"].l1.maxEntries', 'integer', 1.5],
    ['a beta over 10', withKeyspace({ earlyRefresh: { beta: 11 } }), 'options.keyspaces["user:"].earlyRefresh.beta', '> 0 and <= 10', 11],
    ['65 replicas', withKeyspace({ hotKeys: { replicas: 65 } }), 'options.keyspaces["user:"].hotKeys.replicas', '<= 64', 65],
    ['no origin concurrency', { ...(withKeyspace({}) as object), origin: { maxConcurrency: 0 } }, 'options.origin.maxConcurrency', '>= 1', 0],
    ['an origin breaker resting 50 ms', { ...(withKeyspace({}) as object), origin: { resetAfter: 50 } }, 'options.origin.resetAfter', 'between 100ms and 10m', 50],
    ['a prefix with a space', { redis: null, keyspaces: { 'user key': { ttl: '1m' } } }, 'options.keyspaces', 'prefixes of 1 to 64 characters', 'user key'],
    ['a prefix inside a keyspace', withKeyspace({ prefix: 'u:' }), 'options.keyspaces["user:"].prefix', 'the key in options.keyspaces', 'u:'],
    ['no keyspace', { redis: null, keyspaces: {} }, 'options.keyspaces', 'an object mapping key prefixes', {}],
    ['a keyspace that is a string', { redis: null, keyspaces: { 'user:': '5m' } }, 'options.keyspaces["user:"]', 'an object of keyspace options', '5m'],
    ['an unknown option', { redis: null, keyspaces: { 'u:': { ttl: '1m' } }, ttl: '1m' }, 'options.ttl', 'the options are redis, keyspaces', '1m'],
    ['no redis', { keyspaces: { 'u:': { ttl: '1m' } } }, 'options.redis', 'an ioredis client, a redis:// or rediss:// URL, or null', undefined],
    ['an http URL as redis', { redis: 'http://127.0.0.1:6379', keyspaces: { 'u:': { ttl: '1m' } } }, 'options.redis', 'a redis:// or rediss:// URL', 'http://127.0.0.1:6379'],
    ['an object that is no client', { redis: { host: 'x' }, keyspaces: { 'u:': { ttl: '1m' } } }, 'options.redis', 'an ioredis client', '<object without ioredis methods>'],
    ['an empty service name', { redis: null, keyspaces: { 'u:': { ttl: '1m' } }, service: '' }, 'options.service', 'a non-empty string', ''],
  ])('refuse %s, naming the option, what it accepts and what arrived', (_name, options, option, expected, got) => {
    const err = errorOf(options);
    expect(err.code).toBe('E_INVALID_OPTION');
    expect(err.context['option']).toBe(option);
    expect(err.context['got']).toEqual(got);
    expect(err.message).toContain(`expected ${option} to be `);
    expect(err.message).toContain(expected);
  });

  it('refuse a rule across fields, naming the keyspace and the rule', () => {
    const err = errorOf(withKeyspace({ originTimeout: '5s' }));
    expect(err.context['option']).toBe('options.keyspaces["user:"]');
    expect(err.message).toContain('coalescing.leaseTTL (default 5s) must be longer than originTimeout');
    expect(err.context['got']).toEqual({ ttl: '60s', originTimeout: '5s' });
  });

  it('never echo a password from a bad Redis URL', () => {
    const err = errorOf({ redis: 'http://:hunter2@127.0.0.1:6379', keyspaces: { 'u:': { ttl: '1m' } } });
    expect(err.message).not.toContain('hunter2');
    expect(JSON.stringify(err.context)).not.toContain('hunter2');
  });
});
