import { describe, expect, it } from 'vitest';
import { PolicyInvalidError } from '../1-ground/errors.js';
import { parsePolicyDocument, parsePolicySpec, validatePolicy, validatePolicyName, validatePolicySpec } from './load.js';
import { crossFieldRules } from './rules.js';

type Spec = Record<string, unknown>;
const base = (): Spec => ({
  targetRef: { kind: 'Deployment', name: 'profile' },
  keyspaces: [{ prefix: 'user:', ttl: '60s' }],
});
const withKeyspace = (k: Spec): Spec => ({ ...base(), keyspaces: [{ prefix: 'user:', ttl: '60s', ...k }] });
const named = (spec: Spec, name = 'profile') => ({ metadata: { name }, spec });

/** One policy breaking each cross-field (CEL) rule, keyed by the rule's message. */
const breaking: Record<string, { metadata: { name: string }; spec: Spec }> = Object.fromEntries(
  [
    named(base(), 'p'.repeat(64)),
    named({ ...base(), keyspaces: [{ prefix: 'user:', ttl: '60s' }, { prefix: 'user:', ttl: '30s' }] }),
    named(withKeyspace({ ttl: '500ms', l1: { maxEntries: 0 } })),
    named(withKeyspace({ staleWhileRevalidate: '721h' })),
    named(withKeyspace({ staleIfError: '720h1ms' })),
    named(withKeyspace({ negativeTTL: '999999h' })),
    named(withKeyspace({ originTimeout: '0s' })),
    named(withKeyspace({ originTimeout: '5s' })),
    named(withKeyspace({ ttl: '1s' })),
    named(withKeyspace({ jitter: { max: '25h' } })),
    named(withKeyspace({ originTimeout: '500ms', coalescing: { leaseTTL: '1s', waitTimeout: '2s' } })),
    named(withKeyspace({ coalescing: { local: false, distributed: true } })),
    named(withKeyspace({ coalescing: { leaseTTL: '11m' } })),
    named(withKeyspace({ coalescing: { waitTimeout: '0s' } })),
    named(withKeyspace({ hotKeys: { window: '2h' } })),
    named({ ...base(), redis: { failover: { detectAfter: '100ms', checkInterval: '50ms' } } }),
    named({ ...base(), redis: { failover: { checkInterval: '0s' } } }),
    named({ ...base(), redis: { failover: { detectAfter: '1s', checkInterval: '2s' } } }),
    named({ ...base(), origin: { resetAfter: '0s' } }),
    named({ ...base(), warmup: { ratePerSecond: 10 } }),
  ].map((p) => {
    const problems = validatePolicy(p);
    if (problems.length !== 1) throw new Error(`a breaking example must break one rule, got ${problems.join('; ')}`);
    return [(problems[0] as string).replace(/^[^:]*: /, ''), p];
  }),
);

describe('policy validation', () => {
  it('has a breaking example for every cross-field rule of the schema', () => {
    expect(Object.keys(breaking).sort()).toEqual(crossFieldRules.map((r) => r.message).sort());
  });

  it.each(crossFieldRules.map((r) => [r.message, r.at] as const))('refuses a policy breaking "%s", and only for it', (message) => {
    expect(validatePolicy(breaking[message]!).map((p) => p.replace(/^[^:]*: /, ''))).toEqual([message]);
  });

  it.each([
    ['an origin timeout of 0s', withKeyspace({ originTimeout: '0s' }), 'originTimeout must be between 10ms and 5m'],
    ['an origin timeout of 720h (a Node timer overflow)', withKeyspace({ originTimeout: '720h' }), 'originTimeout must be between 10ms and 5m'],
    [
      'a lease no longer than the origin timeout with distributed coalescing',
      withKeyspace({ originTimeout: '5s', coalescing: { leaseTTL: '5s', waitTimeout: '1s' } }),
      'coalescing.leaseTTL (default 5s) must be longer than originTimeout',
    ],
    ['a health check every 0s', { ...base(), redis: { failover: { checkInterval: '0s' } } }, 'failover.checkInterval must be at least 50ms'],
    ['a ttl of more than a year', withKeyspace({ ttl: '8761h' }), 'ttl must be between 1s and 8760h'],
    ['a stale window of more than 30 days', withKeyspace({ staleIfError: '721h' }), 'staleIfError must be at most 720h'],
    ['a default L1 ttl outliving a 1s keyspace ttl', withKeyspace({ ttl: '1s' }), 'l1.ttl (default 2s) must not exceed ttl'],
  ])('refuses %s, naming the fields', (_name, spec, message) => {
    expect(validatePolicySpec(spec).join('\n')).toContain(message);
  });

  it.each([
    ['a lease as long as the origin timeout without distributed coalescing', withKeyspace({ originTimeout: '5s', coalescing: { distributed: false } })],
    ['a 1s ttl with L1 disabled', withKeyspace({ ttl: '1s', l1: { maxEntries: 0 } })],
    ['the widest bounds', withKeyspace({ ttl: '8760h', staleIfError: '720h', originTimeout: '5m', coalescing: { leaseTTL: '10m', waitTimeout: '10ms' } })],
    ['jitter longer than the ttl (it only decorrelates)', withKeyspace({ ttl: '60s', jitter: { max: '10m' } })],
  ])('accepts %s', (_name, spec) => {
    expect(validatePolicySpec(spec)).toEqual([]);
  });

  it('refuses a policy name of 64 characters and accepts one of 63', () => {
    expect(validatePolicyName('a'.repeat(63))).toEqual([]);
    expect(validatePolicyName('a'.repeat(64))).toEqual([
      'metadata.name: metadata.name must be at most 63 characters (the operator writes it into a label of the rendered ConfigMap)',
    ]);
  });

  it.each([
    [
      withKeyspace({ ttl: '60 seconds' }),
      'spec.keyspaces[0].ttl: "60 seconds" is not accepted; expected a duration such as 1500ms, 60s, 10m or 1h',
    ],
    [withKeyspace({ ttl: '30m1h' }), 'spec.keyspaces[0].ttl: "30m1h" is not accepted; expected a duration such as 1500ms, 60s, 10m or 1h'],
    [withKeyspace({ ttl: '1000000s' }), 'spec.keyspaces[0].ttl: "1000000s" is not accepted; expected a duration such as 1500ms, 60s, 10m or 1h'],
    [withKeyspace({ colour: 'red' }), 'spec.keyspaces[0]: unknown field "colour"'],
    [{ targetRef: { kind: 'Deployment', name: 'p' } }, 'spec: missing required field "keyspaces"'],
    [
      { ...base(), targetRef: { kind: 'Pod', name: 'p' } },
      'spec.targetRef.kind: "Pod" is not accepted; expected one of Deployment, StatefulSet',
    ],
    [
      withKeyspace({ prefix: 'user key' }),
      'spec.keyspaces[0].prefix: "user key" is not accepted; expected a match for ^[A-Za-z0-9_.:-]+$',
    ],
    [withKeyspace({ earlyRefresh: { beta: '11' } }), 'spec.keyspaces[0].earlyRefresh: earlyRefresh.beta must be > 0 and <= 10'],
    [withKeyspace({ hotKeys: { replicas: 65 } }), 'spec.keyspaces[0].hotKeys.replicas: must be <= 64 (got 65)'],
    [{ ...base(), origin: { maxConcurrency: 0 } }, 'spec.origin.maxConcurrency: must be >= 1 (got 0)'],
    [{ ...base(), redis: { mode: 'sentinel' } }, 'spec.redis.mode: "sentinel" is not accepted; expected one of standalone, cluster'],
  ])('names the field at fault: %j', (spec, message) => {
    expect(validatePolicySpec(spec)).toContain(message);
  });

  it('lists every problem at once in PolicyInvalidError', () => {
    const spec = withKeyspace({ ttl: '5s', jitter: { max: '25h' }, originTimeout: '0s' });
    const err = (() => {
      try {
        parsePolicySpec(spec);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PolicyInvalidError);
    expect((err as PolicyInvalidError).problems).toHaveLength(2);
    expect((err as PolicyInvalidError).code).toBe('E_POLICY_INVALID');
  });

  it('fills defaults into the runtime policy, in milliseconds', () => {
    const p = parsePolicySpec(withKeyspace({ earlyRefresh: { beta: '1.5' } }));
    expect(p.keyspaces[0]).toMatchObject({
      ttlMs: 60_000,
      jitterMaxMs: 0,
      earlyRefreshBeta: 1.5,
      coalescing: { local: true, distributed: true, leaseTtlMs: 5_000, waitTimeoutMs: 2_000 },
      l1: { maxEntries: 10_000, ttlMs: 2_000 },
      hotKeys: null,
    });
    expect(p.origin).toEqual({ maxConcurrency: 16, maxQueue: 1000, failureThreshold: 5, resetAfterMs: 5_000 });
  });

  it('runs a policy that names no Redis mode as standalone, and keeps mode cluster', () => {
    expect(parsePolicySpec(base()).redis.mode).toBe('standalone');
    expect(parsePolicySpec({ ...base(), redis: { mode: 'cluster', statefulSetRef: { name: 'redis' } } }).redis).toMatchObject({
      mode: 'cluster',
      statefulSetName: 'redis',
    });
  });

  it('refuses a policy file that is neither JSON nor YAML, or not an object', () => {
    expect(() => parsePolicyDocument('{ not: [valid')).toThrow(PolicyInvalidError);
    expect(() => parsePolicyDocument('42')).toThrow('the policy file must hold an object');
  });
});
