import { describe, expect, it } from 'vitest';
import { createCache, InvalidOptionError } from '../index.js';
import { testPolicy } from '../../../testkit/cache/policy.js';

describe('createCache options', () => {
  const policy = testPolicy();
  const good = { service: 'profile', redis: null, policy };
  it.each([
    [{ ...good, service: '' }, 'expected options.service to be a non-empty string, got ""'],
    [{ ...good, service: 42 }, 'expected options.service to be a non-empty string, got 42'],
    [{ ...good, redis: undefined }, 'expected options.redis to be an ioredis client or null, got undefined'],
    [
      { ...good, redis: {} },
      'expected options.redis to be an ioredis client or null, got "<object without ioredis methods>"',
    ],
    [
      { ...good, policy: { name: 'x' } },
      'expected options.policy to be a CachePolicy from parsePolicySpec(), got "<object without keyspaces/origin>"',
    ],
    [{ ...good, originName: '' }, 'expected options.originName to be a non-empty string, got ""'],
    [
      { ...good, registry: {} },
      'expected options.registry to be a prom-client Registry, got "<other object>"',
    ],
    [
      { ...good, clock: Date.now },
      'expected options.clock to be an object with now(): number, got "<function>"',
    ],
    [{ ...good, random: 0.5 }, 'expected options.random to be a function returning [0, 1), got 0.5'],
    [{ ...good, logger: console.log }, 'expected options.logger to be a Logger, got "<function>"'],
    [null, 'expected options to be an object, got null'],
  ])('refuses %j with a message naming the option', (opts, message) => {
    let err: unknown;
    try {
      createCache(opts as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).code).toBe('E_INVALID_OPTION');
    expect((err as Error).message).toBe(message);
  });

  it('accepts the minimal options and can be closed twice', async () => {
    const cache = createCache(good);
    await cache.close();
    await cache.close();
    expect(cache.policy).toBe(policy);
  });
});
