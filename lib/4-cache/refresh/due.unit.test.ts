import { describe, expect, it } from 'vitest';
import type { Envelope } from '../cache/envelope.js';
import { backgroundConcurrency, refreshDueInMs } from './due.js';

const seen = (e: number): Envelope => ({ v: 1, c: e - 60_000, e, d: 5, f: 't' });

describe('how long a background refresh may wait behind serving', () => {
  it.each([
    { reason: 'stale', e: 1000, now: 3000, swr: 30_000, due: 14_000, why: 'half of the 28 s left of staleWhileRevalidate' },
    { reason: 'stale', e: 1000, now: 40_000, swr: 30_000, due: 0, why: 'past the window: at once' },
    { reason: 'stale', e: 9000, now: 3000, swr: 30_000, due: 0, why: 'not yet expired (distrusted after a promotion): at once' },
    { reason: 'early', e: 9000, now: 3000, swr: 30_000, due: 3000, why: 'half of the 6 s left before expiry' },
    { reason: 'revalidate', e: 90_000, now: 3000, swr: 30_000, due: 0, why: 'revalidation after a promotion: at once' },
  ] as const)('$reason: $why', ({ reason, e, now, swr, due }) => {
    expect(refreshDueInMs(reason, seen(e), now, swr)).toBe(due);
  });

  it.each([
    { maxConcurrency: 1, expected: 1 },
    { maxConcurrency: 10, expected: 5 },
    { maxConcurrency: 16, expected: 8 },
    { maxConcurrency: 7, expected: 3 },
  ])('refreshes take at most half of $maxConcurrency origin slots: $expected', ({ maxConcurrency, expected }) => {
    expect(backgroundConcurrency({ maxConcurrency, maxQueue: 10, failureThreshold: 5, resetAfterMs: 1000 })).toBe(expected);
  });
});
