/**
 * The CachePolicy CRD on a real kube-apiserver + etcd: it installs, the samples apply, and
 * every rule refuses the same policies in the API server and in the services' own
 * validation, with the same words.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeApiError } from '../lib/2-kube/errors.js';
import { resources } from '../lib/2-kube/resources.js';
import { validatePolicy, validatePolicySpec } from '../lib/3-policy/load.js';
import { NS, PolicyApi, baseSpec, policyObj } from './policy-api.test-helpers.js';

let api: PolicyApi;

beforeAll(async () => {
  api = await PolicyApi.start();
});

afterAll(async () => {
  await api?.stop();
});

describe('the CachePolicy CRD on a real API server', () => {
  it('installs, and both samples apply cleanly', async () => {
    const dir = join(import.meta.dirname, '../crds/samples');
    for (const f of ['profile.yaml', 'market-data.yaml']) {
      const out = await api.cp.kubectl(['apply', '-n', NS, '--dry-run=server', '-f', join(dir, f)]);
      expect(out).toMatch(/created \(server dry run\)/);
      expect(validatePolicySpec((parse(readFileSync(join(dir, f), 'utf8')) as { spec: unknown }).spec)).toEqual([]);
    }
  });

  type Spec = { targetRef?: { kind: string }; keyspaces: Array<Record<string, unknown>>; redis?: unknown; origin?: unknown; warmup?: unknown };
  type Case = { name: string; mutate: (s: Spec) => unknown; api: string; ts: string; policyName?: string };
  /** A self-defeating case: the CEL rule and its twin say the same words. */
  const same = (name: string, mutate: Case['mutate'], message: string, policyName?: string): Case => ({
    name,
    mutate,
    api: message,
    ts: message,
    ...(policyName ? { policyName } : {}),
  });
  const ks = (s: Spec): Record<string, unknown> => s.keyspaces[0]!;
  const cases: Case[] = [
    { name: 'jitter longer than 24h', mutate: (s) => (ks(s).jitter = { max: '25h' }), api: 'jitter.max must be at most 24h', ts: 'jitter.max must be at most 24h' },
    { name: 'beta of zero', mutate: (s) => (ks(s).earlyRefresh = { beta: '0' }), api: 'earlyRefresh.beta must be > 0 and <= 10', ts: 'earlyRefresh.beta must be > 0 and <= 10' },
    { name: 'beta above 10', mutate: (s) => (ks(s).earlyRefresh = { beta: '11' }), api: 'earlyRefresh.beta must be > 0 and <= 10', ts: 'earlyRefresh.beta must be > 0 and <= 10' },
    { name: 'lease shorter than the wait', mutate: (s) => (ks(s).coalescing = { leaseTTL: '1s', waitTimeout: '2s' }), api: 'coalescing.leaseTTL must be longer than coalescing.waitTimeout', ts: 'coalescing.leaseTTL must be longer than coalescing.waitTimeout' },
    { name: 'distributed without local coalescing', mutate: (s) => (ks(s).coalescing = { local: false, distributed: true }), api: 'coalescing.distributed requires coalescing.local', ts: 'coalescing.distributed requires coalescing.local' },
    { name: 'duplicate keyspace prefixes', mutate: (s) => s.keyspaces.push({ prefix: 'user:', ttl: '5s' }), api: 'keyspaces[].prefix must be unique within a policy', ts: 'keyspaces[].prefix must be unique within a policy' },
    { name: 'too many hot-key replicas', mutate: (s) => (ks(s).hotKeys = { replicas: 65 }), api: 'should be less than or equal to 64', ts: 'must be <= 64' },
    { name: 'ttl under a second', mutate: (s) => (ks(s).ttl = '500ms'), api: 'ttl must be between 1s and 8760h', ts: 'ttl must be between 1s and 8760h' },
    { name: 'L1 outliving the keyspace ttl', mutate: (s) => (ks(s).l1 = { ttl: '2m' }), api: 'l1.ttl (default 2s) must not exceed ttl', ts: 'l1.ttl (default 2s) must not exceed ttl' },
    { name: 'hot-key window over an hour', mutate: (s) => (ks(s).hotKeys = { window: '2h' }), api: 'hotKeys.window must be between 1s and 1h', ts: 'hotKeys.window must be between 1s and 1h' },
    { name: 'failover detection under 500ms', mutate: (s) => (s.redis = { failover: { detectAfter: '100ms', checkInterval: '50ms' } }), api: 'failover.detectAfter must be between 500ms and 5m', ts: 'failover.detectAfter must be between 500ms and 5m' },
    { name: 'health checks slower than detection', mutate: (s) => (s.redis = { failover: { detectAfter: '1s', checkInterval: '2s' } }), api: 'failover.checkInterval must be shorter than failover.detectAfter', ts: 'failover.checkInterval must be shorter than failover.detectAfter' },
    { name: 'a ttl that is not a duration', mutate: (s) => (ks(s).ttl = 'soon'), api: 'spec.keyspaces[0].ttl in body should match', ts: 'spec.keyspaces[0].ttl: "soon" is not accepted; expected a duration' },
    { name: 'an unsupported target kind', mutate: (s) => (s.targetRef!.kind = 'DaemonSet'), api: 'Unsupported value: "DaemonSet"', ts: 'expected one of Deployment, StatefulSet' },
    { name: 'no keyspaces', mutate: (s) => (s.keyspaces = []), api: 'should have at least 1 items', ts: 'must NOT have fewer than 1 items' },
    { name: 'a prefix with a space', mutate: (s) => (ks(s).prefix = 'user 1'), api: 'spec.keyspaces[0].prefix in body should match', ts: 'spec.keyspaces[0].prefix: "user 1" is not accepted' },
    { name: 'no targetRef', mutate: (s) => delete s.targetRef, api: 'spec.targetRef: Required value', ts: 'missing required field "targetRef"' },
    // Self-defeating policies (issue 12): each refused with a message naming the fields and the relation.
    same('an origin timeout of 0s', (s) => (ks(s).originTimeout = '0s'), 'originTimeout must be between 10ms and 5m'),
    same('an origin timeout of 720h, past the Node timer', (s) => (ks(s).originTimeout = '720h'), 'originTimeout must be between 10ms and 5m'),
    same(
      'a lease no longer than the origin timeout with distributed coalescing',
      (s) => Object.assign(ks(s), { originTimeout: '5s', coalescing: { leaseTTL: '5s', waitTimeout: '1s' } }),
      'coalescing.leaseTTL (default 5s) must be longer than originTimeout when coalescing.distributed is true',
    ),
    same(
      'the default lease shorter than the origin timeout, with no coalescing block',
      (s) => (ks(s).originTimeout = '30s'),
      'coalescing.leaseTTL (default 5s) must be longer than originTimeout',
    ),
    same('health checks every 0s', (s) => (s.redis = { failover: { checkInterval: '0s' } }), 'failover.checkInterval must be at least 50ms'),
    same('a ttl over a year', (s) => (ks(s).ttl = '8761h'), 'ttl must be between 1s and 8760h'),
    same('serving stale while revalidating for over 30 days', (s) => (ks(s).staleWhileRevalidate = '721h'), 'staleWhileRevalidate must be at most 720h'),
    same('serving stale on error for over 30 days', (s) => (ks(s).staleIfError = '720h0.000001ms'), 'staleIfError must be at most 720h'),
    same('caching not-found for over 30 days', (s) => (ks(s).negativeTTL = '999999h'), 'negativeTTL must be at most 720h'),
    same('a name longer than 63 characters', () => undefined, 'metadata.name must be at most 63 characters', `p${'x'.repeat(63)}`),
    same('the default L1 ttl outliving a 1s ttl', (s) => (ks(s).ttl = '1s'), 'l1.ttl (default 2s) must not exceed ttl unless l1.maxEntries is 0'),
    same('waiters that never wait', (s) => (ks(s).coalescing = { waitTimeout: '0s' }), 'coalescing.waitTimeout must be at least 10ms'),
    same('a lease held for over 10 minutes', (s) => (ks(s).coalescing = { leaseTTL: '11m' }), 'coalescing.leaseTTL must be at most 10m'),
    same('a circuit breaker that never rests', (s) => (s.origin = { resetAfter: '0s' }), 'origin.resetAfter must be between 100ms and 10m'),
    same('warmup batches larger than its rate', (s) => (s.warmup = { ratePerSecond: 10 }), 'warmup.batchSize must not exceed warmup.ratePerSecond'),
    {
      name: 'a duration too large for int64 nanoseconds',
      mutate: (s) => (ks(s).staleIfError = '9999999h'),
      api: 'spec.keyspaces[0].staleIfError in body should match',
      ts: 'spec.keyspaces[0].staleIfError: "9999999h" is not accepted; expected a duration',
    },
  ];

  it.each(cases)('refuses $name, in the API server and in the services, with the same rule', async (c) => {
    const spec: Spec = baseSpec();
    c.mutate(spec);
    const name = c.policyName ?? 'invalid';
    const err = await api.admin.create({ res: resources.cachePolicies, namespace: NS }, policyObj(name, spec)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(422);
    expect((err as KubeApiError).message).toContain(c.api);
    expect(validatePolicy({ metadata: { name }, spec }).join('\n')).toContain(c.ts);
  });
});
