import { describe, expect, it } from 'vitest';
import { PolicyInvalidError } from '../1-ground/errors.js';
import { parsePolicyDocument } from './load.js';
import { isRedisAddress } from './rendered.js';

const rendered = (extra: Record<string, unknown>) =>
  JSON.stringify({
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'RenderedCachePolicy',
    policy: 'profile',
    namespace: 'shop',
    generation: 3,
    spec: { targetRef: { kind: 'Deployment', name: 'profile' }, keyspaces: [{ prefix: 'user:', ttl: '60s' }] },
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
      expect(parsePolicyDocument(rendered({ redis: { primary, epoch: 2 } })).rendered?.redis?.primary).toBe(primary);
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
});
