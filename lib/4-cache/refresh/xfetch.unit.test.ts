import { describe, expect, it } from 'vitest';
import { shouldRefreshEarly } from './xfetch.js';

describe('XFetch early-refresh decision', () => {
  const expiry = 100_000;
  it.each([
    // [now, delta, beta, rand, expected, why]
    [50_000, 100, 1, 0.5, false, 'far from expiry with a fast origin: no refresh'],
    [99_990, 100, 1, 0.5, true, '10ms left, head start δ·β·ln 2 ≈ 69ms: refresh'],
    [99_900, 100, 1, 0.5, false, '100ms left, head start 69ms: not yet'],
    [99_900, 100, 2, 0.5, true, 'a larger β refreshes earlier (head start 139ms)'],
    [90_000, 5_000, 1, 0.1, true, 'a slow origin (δ=5s) with an unlucky draw starts 11.5s early'],
    [100_000, 0, 1, 0.99, true, 'at expiry it always refreshes'],
    [99_999, 0, 1, 0.0001, false, 'δ=0 never refreshes before expiry'],
  ] as const)('%#: %s', (now, delta, beta, rand, expected, _why) => {
    expect(shouldRefreshEarly(now, expiry, delta, beta, rand)).toBe(expected);
  });

  it('refreshes more often as expiry nears, with a fixed sequence of draws', () => {
    const draws = Array.from({ length: 1000 }, (_, i) => (i + 0.5) / 1000);
    const rate = (now: number) => draws.filter((r) => shouldRefreshEarly(now, expiry, 1000, 1, r)).length;
    expect(rate(95_000)).toBeLessThan(rate(98_000));
    expect(rate(98_000)).toBeLessThan(rate(99_500));
    expect(rate(99_500)).toBeLessThan(1000);
  });
});
