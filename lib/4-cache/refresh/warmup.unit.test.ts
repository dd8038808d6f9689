import { describe, expect, it } from 'vitest';
import { runWarmup, warmupDelayMs } from './warmup.js';

describe('warmup pacing', () => {
  it.each([
    [0, 0, 0, 100, 0, 'the first batch starts at once'],
    [0, 0, 100, 100, 1000, '100 keys at 100/s: the next batch waits until 1s'],
    [0, 400, 100, 100, 600, 'time already spent counts'],
    [0, 2000, 100, 100, 0, 'a late batch does not wait'],
  ] as const)('%#: %s', (startedAt, now, done, rate, expected, _why) => {
    expect(warmupDelayMs(startedAt, now, done, rate)).toBe(expected);
  });

  it('loads every key once, in batches of batchSize, never more than one batch at a time', async () => {
    let t = 0;
    let running = 0;
    let peak = 0;
    const loaded: string[] = [];
    const keys = Array.from({ length: 25 }, (_, i) => `k:${i}`);
    const result = await runWarmup({
      keys,
      ratePerSecond: 1_000_000,
      batchSize: 10,
      now: () => t++,
      load: async (k) => {
        running++;
        peak = Math.max(peak, running);
        await Promise.resolve();
        running--;
        loaded.push(k);
        return k !== 'k:3';
      },
    });
    expect(result).toEqual({ warmed: 24, failed: 1 });
    expect(loaded.sort()).toEqual([...keys].sort());
    expect(peak).toBe(10);
  });

  it('stops at the next batch boundary when aborted', async () => {
    const ac = new AbortController();
    let loads = 0;
    const result = await runWarmup({
      keys: Array.from({ length: 30 }, (_, i) => `k:${i}`),
      ratePerSecond: 1,
      batchSize: 5,
      signal: ac.signal,
      now: () => 0,
      load: () => {
        loads++;
        if (loads === 5) ac.abort();
        return Promise.resolve(true);
      },
    });
    expect(result).toEqual({ warmed: 5, failed: 0 });
  });
});
