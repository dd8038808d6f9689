import { describe, expect, it } from 'vitest';
import { PolicyInvalidError } from '../1-ground/errors.js';
import { parsePolicyDocument } from './load.js';
import { isRedisAddress, redisModeMismatch } from './rendered.js';

const standaloneSpec = { targetRef: { kind: 'Deployment', name: 'profile' }, keyspaces: [{ prefix: 'user:', ttl: '60s' }] };
const clusterSpec = { ...standaloneSpec, redis: { mode: 'cluster' } };

const rendered = (extra: Record<string, unknown>) =>
  JSON.stringify({
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'RenderedCachePolicy',
    policy: 'profile',
    namespace: 'shop',
    generation: 3,
    spec: standaloneSpec,
    ...extra,
  });

const problemsOf = (text: string): readonly string[] => {
  try {
    parsePolicyDocument(text);
    return [];
  } catch (err) {
    if (err instanceof PolicyInvalidError) return err.problems;
    throw err;
  }
};

describe('the rendered-policy envelope a service trusts', () => {
  it.each(['redis-1', 'redis-1:6379', 'redis-1.redis.shop.svc.cluster.local:6380', '10.0.0.7:6379', '[::1]:6379', '127.0.0.1'])(
    'accepts the primary address %s',
    (primary) => {
      expect(isRedisAddress(primary)).toBe(true);
      expect(parsePolicyDocument(rendered({ redis: { primary, epoch: 2 } })).rendered?.redis).toEqual({ primary, epoch: 2 });
    },
  );

  it.each(['', 'redis://redis-1:6379', 'user:secret@redis-1', 'redis-1:0', 'redis-1:65536', 'redis-1:', 'redis 1', '999.1.1.1', 'redis-1:6379/0', '-redis'])(
    'refuses the primary address %j, without echoing it',
    (primary) => {
      const problems = problemsOf(rendered({ redis: { primary, epoch: 2 } }));
      expect(problems).toEqual(['redis.primary: expected host or host:port (a hostname, IPv4 or [IPv6] address, port 1-65535)']);
    },
  );

  it.each([[-1], [1.5], ['3'], [null], [Number.MAX_SAFE_INTEGER + 2]])('refuses the epoch %j', (epoch) => {
    expect(problemsOf(rendered({ redis: { primary: 'redis-0', epoch } }))).toEqual(['redis.epoch: expected a non-negative integer']);
  });

  it('refuses a missing epoch, a bad generation and a policy name the API server would refuse', () => {
    expect(problemsOf(rendered({ redis: { primary: 'redis-0' } }))).toEqual(['redis.epoch: expected a non-negative integer']);
    expect(problemsOf(rendered({ generation: -1 }))).toEqual(['generation: expected a non-negative integer, got number']);
    expect(problemsOf(rendered({ policy: 'p'.repeat(64) }))[0]).toMatch(/^metadata.name: metadata.name must be at most 63 characters/);
    expect(problemsOf(rendered({ redis: 'redis-0' }))).toEqual(['redis: expected an object']);
  });

  it('accepts a Redis Cluster envelope: no primary, epoch 0, a warmup request', () => {
    const warmup = { id: 'w1', ratePerSecondPerInstance: 100, topKeys: 50, requestedAt: '2026-01-01T00:00:00.000Z' };
    const doc = parsePolicyDocument(rendered({ spec: clusterSpec, redis: { mode: 'cluster', epoch: 0, warmup } }));
    expect(doc.rendered?.redis).toEqual({ mode: 'cluster', epoch: 0, warmup });
    expect(doc.policy.redis.mode).toBe('cluster');
  });

  it.each([
    [{ mode: 'sentinel', primary: 'redis-0', epoch: 0 }, ['redis.mode: expected one of standalone, cluster']],
    [{ mode: 'cluster', primary: 'redis-0', epoch: 0 }, ['redis.primary: expected none with redis.mode cluster (a Redis Cluster has no single primary)']],
    [{ mode: 'cluster', epoch: 3 }, ['redis.epoch: expected 0 with redis.mode cluster (nobody promotes a Redis Cluster)']],
  ])('refuses the Redis Cluster envelope %j', (redis, problems) => {
    expect(problemsOf(rendered({ spec: clusterSpec, redis }))).toEqual(problems);
  });

  it('refuses an envelope whose mode disagrees with spec.redis.mode', () => {
    expect(problemsOf(rendered({ redis: { mode: 'cluster', epoch: 0 } }))).toEqual([
      'redis.mode: rendered for cluster but spec.redis.mode is standalone; expected the two to agree',
    ]);
    expect(problemsOf(rendered({ spec: clusterSpec, redis: { primary: 'redis-0', epoch: 1 } }))).toEqual([
      'redis.mode: rendered for standalone but spec.redis.mode is cluster; expected the two to agree',
    ]);
  });
});

describe('a service checking its Redis client against the policy', () => {
  const policyOf = (spec: unknown) => parsePolicyDocument(JSON.stringify(spec)).policy;

  it('finds a standalone client right for a policy that names no mode, and a cluster client right for mode cluster', () => {
    expect(redisModeMismatch(policyOf(standaloneSpec), 'standalone')).toBeNull();
    expect(redisModeMismatch(policyOf(clusterSpec), 'cluster')).toBeNull();
  });

  it('names the mode the policy wants when the client kind differs', () => {
    expect(redisModeMismatch(policyOf(clusterSpec), 'standalone')).toMatch(/^spec.redis.mode is cluster but this service runs a standalone Redis client/);
    expect(redisModeMismatch(policyOf(standaloneSpec), 'cluster')).toMatch(/^spec.redis.mode is standalone but this service runs a cluster Redis client/);
  });
});
