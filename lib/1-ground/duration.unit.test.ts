import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseDurationNs } from './duration.js';

describe('durations', () => {
  it.each([
    ['1500ms', 1_500_000_000n],
    ['1h30m', 5_400_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['0.1ms', 100_000n],
    ['0.333333333s', 333_333_333n],
    ['0.000000001h', 3_600n],
    // Go truncates what is finer than a nanosecond; so must the twin, or a boundary flips.
    ['2.000000001ms', 2_000_000n],
    ['0s', 0n],
    ['1h2m3s4ms', 3_723_004_000_000n],
  ])('parses %s to the nanoseconds Go time.ParseDuration gives (%s)', (text, ns) => {
    expect(parseDurationNs(text)).toBe(ns);
  });

  it('keeps the largest accepted duration inside int64 nanoseconds, where CEL would fail instead of refusing', () => {
    const max = parseDurationNs('999999.999999999h999999.999999999m999999.999999999s999999.999999999ms');
    expect(max).toBeDefined();
    expect(max! < 2n ** 63n - 1n).toBe(true);
  });

  it.each(['', '60', '60 seconds', '30m1h', '1s1s', '1000000s', '1.0000000001s', '.5s', '-1s', '1us', '1d'])(
    'refuses %j',
    (text) => {
      expect(parseDurationNs(text)).toBeUndefined();
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it.each([0, 250, 1000, 60_000, 3_600_000, 999_999, 1_000_001, 90_061_001, 86_400_000 * 400 + 1])(
    'formats %i ms as a duration that parses back to it',
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    },
  );
});
