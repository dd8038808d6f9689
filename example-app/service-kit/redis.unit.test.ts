import { describe, expect, it } from 'vitest';
import type { RenderedPolicy } from '../../lib/3-policy/types.js';
import { failoverTiming, suspectWindow, urlForAddress, warmupCurrent } from './redis.js';

const timing = { detectAfterMs: 1500, checkIntervalMs: 250 };

describe('suspectWindow', () => {
  const cases: Array<{ name: string; learnedAt: number; lostAt: number | null; want: [number, number] }> = [
    {
      name: 'starts a lag margin before the moment this service lost the primary',
      learnedAt: 10_000,
      lostAt: 7_900,
      want: [6_900, 10_000],
    },
    {
      name: 'starts at the earliest the operator could have declared the loss when the service never noticed it',
      learnedAt: 10_000,
      lostAt: null,
      want: [7_000, 10_000],
    },
    {
      name: 'takes the earlier of the two when the service lost the primary only late',
      learnedAt: 10_000,
      lostAt: 9_500,
      want: [7_000, 10_000],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(suspectWindow(c.learnedAt, c.lostAt, timing)).toEqual(c.want);
    });
  }
});

describe('failoverTiming', () => {
  it('reads detectAfter and checkInterval from the rendered spec, with the CRD defaults otherwise', () => {
    const doc = (spec: unknown) => ({ spec }) as RenderedPolicy;
    expect(failoverTiming(doc({ redis: { failover: { detectAfter: '3s', checkInterval: '500ms' } } }))).toEqual({ detectAfterMs: 3000, checkIntervalMs: 500 });
    expect(failoverTiming(doc({}))).toEqual(timing);
    expect(failoverTiming(null)).toEqual(timing);
  });
});

describe('warmupCurrent', () => {
  it('keeps a request current for its expected run time plus the grace, and no longer', () => {
    const req = { id: 'w', ratePerSecondPerInstance: 100, topKeys: 1000, requestedAt: 0 };
    expect(warmupCurrent(req, 10_000 + 120_000)).toBe(true);
    expect(warmupCurrent(req, 10_000 + 120_001)).toBe(false);
    expect(warmupCurrent({ ...req, requestedAt: null }, 1e12)).toBe(true);
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
