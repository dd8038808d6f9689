import { describe, expect, it } from 'vitest';
import { PolicyInvalidError } from '../errors.js';
import { parsePolicyDocument, parsePolicySpec, validatePolicySpec } from './load.js';
import { crossFieldRules } from './schema.js';

type Spec = Record<string, unknown>;
const base = (): Spec => ({
  targetRef: { kind: 'Deployment', name: 'profile' },
  keyspaces: [{ prefix: 'user:', ttl: '60s' }],
});
const withKeyspace = (k: Spec): Spec => ({ ...base(), keyspaces: [{ prefix: 'user:', ttl: '60s', ...k }] });

/** One spec breaking each cross-field (CEL) rule, keyed by the rule's message. */
const breaking: Record<string, Spec> = {
  'keyspaces[].prefix must be unique within a policy': {
    ...base(),
    keyspaces: [
      { prefix: 'user:', ttl: '60s' },
      { prefix: 'user:', ttl: '30s' },
    ],
  },
  'jitter.max must be at most 24h': withKeyspace({ jitter: { max: '25h' } }),
  'coalescing.leaseTTL must be longer than coalescing.waitTimeout, so a slow but live leader is never replaced while its waiters still wait':
    withKeyspace({ coalescing: { leaseTTL: '1s', waitTimeout: '2s' } }),
  'coalescing.distributed requires coalescing.local (the lease is taken once per process, by the local leader)':
    withKeyspace({ coalescing: { local: false, distributed: true } }),
  'ttl must be at least 1s': withKeyspace({ ttl: '500ms' }),
  'l1.ttl must not exceed the keyspace ttl (L1 would outlive the shared copy)': withKeyspace({
    l1: { ttl: '2m' },
  }),
  'hotKeys.window must be between 1s and 1h': withKeyspace({ hotKeys: { window: '2h' } }),
  'failover.detectAfter must be between 500ms and 5m': {
    ...base(),
    redis: { failover: { detectAfter: '100ms', checkInterval: '50ms' } },
  },
  'failover.checkInterval must be shorter than failover.detectAfter (a single missed ping never promotes)': {
    ...base(),
    redis: { failover: { detectAfter: '1s', checkInterval: '2s' } },
  },
};

describe('policy validation', () => {
  it('has a breaking example for every cross-field rule of the schema', () => {
    expect(Object.keys(breaking).sort()).toEqual(crossFieldRules.map((r) => r.message).sort());
  });

  it.each(crossFieldRules.map((r) => [r.message, r.at] as const))(
    'refuses a spec breaking "%s"',
    (message) => {
      const problems = validatePolicySpec(breaking[message]);
      expect(problems.some((p) => p.endsWith(`: ${message}`))).toBe(true);
    },
  );

  it.each([
    [
      withKeyspace({ ttl: '60 seconds' }),
      'spec.keyspaces[0].ttl: "60 seconds" is not accepted; expected a duration such as 1500ms, 60s, 10m or 1h',
    ],
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
    [
      withKeyspace({ earlyRefresh: { beta: '11' } }),
      'spec.keyspaces[0].earlyRefresh: earlyRefresh.beta must be > 0 and <= 10',
    ],
    [
      withKeyspace({ hotKeys: { replicas: 65 } }),
      'spec.keyspaces[0].hotKeys.replicas: must be <= 64 (got 65)',
    ],
    [{ ...base(), origin: { maxConcurrency: 0 } }, 'spec.origin.maxConcurrency: must be >= 1 (got 0)'],
  ])('names the field at fault: %j', (spec, message) => {
    expect(validatePolicySpec(spec)).toContain(message);
  });

  it('lists every problem at once in PolicyInvalidError', () => {
    const spec = withKeyspace({ ttl: '500ms', jitter: { max: '25h' } });
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
    expect(p.origin).toEqual({
      maxConcurrency: 16,
      maxQueue: 1000,
      failureThreshold: 5,
      resetAfterMs: 5_000,
    });
  });

  it('refuses a policy file that is neither JSON nor YAML, or not an object', () => {
    expect(() => parsePolicyDocument('{ not: [valid')).toThrow(PolicyInvalidError);
    expect(() => parsePolicyDocument('42')).toThrow('the policy file must hold an object');
  });
});
