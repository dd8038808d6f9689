import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../testkit/cache/fake-clock.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { lifetimes } from './jitter.js';

describe('TTL jitter', () => {
  const ks = testPolicy({
    ttl: '60s',
    jitter: { max: '10m' },
    staleWhileRevalidate: '30s',
    staleIfError: '5m',
  }).keyspaces[0]!;
  const now = 1_000_000;
  const random = seededRandom(42);
  const expiries = Array.from({ length: 10_000 }, () => lifetimes(ks, now, false, random).expiresAt - now);

  it('keeps every expiry within [ttl, ttl + jitter.max)', () => {
    expect(Math.min(...expiries)).toBeGreaterThanOrEqual(60_000);
    expect(Math.max(...expiries)).toBeLessThan(60_000 + 600_000);
  });

  it('spreads entries written at the same instant uniformly over the jitter range (chi-square, 10 bins)', () => {
    const bins = new Array<number>(10).fill(0);
    for (const e of expiries) bins[Math.floor(((e - 60_000) / 600_000) * 10)]!++;
    const expected = expiries.length / 10;
    const chi2 = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: 21.67 is the 99th percentile of chi-square.
    expect(chi2).toBeLessThan(21.67);
  });

  it('lets no single second hold more than 1% of the entries that were written together', () => {
    const perSecond = new Map<number, number>();
    for (const e of expiries)
      perSecond.set(Math.floor(e / 1000), (perSecond.get(Math.floor(e / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(expiries.length / 100);
  });

  it('sets the physical Redis TTL to ttl + jitter + the longer stale window', () => {
    const l = lifetimes(ks, now, false, () => 0.5);
    expect(l.expiresAt - now).toBe(60_000 + 300_000);
    expect(l.physicalTtlMs).toBe(60_000 + 300_000 + 300_000);
  });

  it('gives a negative entry negativeTTL + jitter and no stale window', () => {
    const neg = testPolicy({ ttl: '60s', negativeTTL: '30s', staleIfError: '5m' }).keyspaces[0]!;
    expect(lifetimes(neg, now, true, () => 0.9)).toEqual({ expiresAt: now + 30_000, physicalTtlMs: 30_000 });
  });
});
