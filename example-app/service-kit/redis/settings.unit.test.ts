import { describe, expect, it } from 'vitest';
import { parsePolicySpec } from '../../../lib/3-policy/load.js';
import type { RenderedPolicy } from '../../../lib/3-policy/types.js';
import { failoverTiming, renderedRedis, urlForAddress } from './settings.js';

describe('failoverTiming', () => {
  it('reads detectAfter and checkInterval from the parsed policy, with the policy defaults before the first one', () => {
    const spec = (redis: unknown) => ({ targetRef: { kind: 'Deployment', name: 'p' }, keyspaces: [{ prefix: 'k:', ttl: '60s' }], redis });
    expect(failoverTiming(parsePolicySpec(spec({ failover: { detectAfter: '3s', checkInterval: '500ms' } })))).toEqual({ detectAfterMs: 3000, checkIntervalMs: 500 });
    expect(failoverTiming(parsePolicySpec(spec({})))).toEqual({ detectAfterMs: 1500, checkIntervalMs: 250 });
    expect(failoverTiming(null)).toEqual({ detectAfterMs: 1500, checkIntervalMs: 250 });
  });
});

describe('renderedRedis', () => {
  const doc = (redis: unknown) => ({ redis }) as RenderedPolicy;

  it('reads the published primary, epoch and warmup request', () => {
    const warmup = { id: 'w', ratePerSecondPerInstance: 10, topKeys: 5, requestedAt: '2026-11-24T11:00:00.000Z' };
    expect(renderedRedis(doc({ primary: '10.0.0.7:6380', epoch: 3, warmup }))).toEqual({
      primary: { host: '10.0.0.7', port: 6380 },
      epoch: 3,
      warmup: { ...warmup, requestedAt: Date.parse(warmup.requestedAt) },
    });
  });

  it('takes a document that names no primary as no instruction', () => {
    expect(renderedRedis(null)).toBeNull();
    expect(renderedRedis(doc(undefined))).toBeNull();
    expect(renderedRedis(doc({ primary: '', epoch: 1 }))).toBeNull();
  });
});

describe('urlForAddress', () => {
  it('keeps the password, database and scheme of REDIS_URL when the primary moves', () => {
    expect(urlForAddress('redis://:s3cret@10.0.0.1:6379/2', { host: '10.0.0.7', port: 6380 })).toBe('redis://:s3cret@10.0.0.7:6380/2');
    expect(urlForAddress('rediss://app:pw@redis-0.redis:6379', { host: 'redis-1.redis', port: 6379 })).toBe('rediss://app:pw@redis-1.redis:6379');
  });

  it('accepts a bare host:port REDIS_URL', () => {
    expect(urlForAddress('127.0.0.1:7000', { host: '127.0.0.1', port: 7001 })).toBe('redis://127.0.0.1:7001');
  });
});
