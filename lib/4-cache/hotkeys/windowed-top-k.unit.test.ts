import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../testkit/cache/fake-clock.js';
import { HotKeyTracker } from './hot-key-tracker.js';
import { WindowedTopK } from './windowed-top-k.js';

describe('windowed top-K', () => {
  it('finds the heavy hitters among 100 000 distinct keys of noise', () => {
    const topK = new WindowedTopK({ windowMs: 60_000, capacity: 64 });
    const random = seededRandom(7);
    let t = 0;
    for (let i = 0; i < 200_000; i++) {
      const r = random();
      const key = r < 0.1 ? 'quote:SPY' : r < 0.15 ? 'quote:AAPL' : r < 0.18 ? 'quote:MSFT' : `noise:${i}`;
      topK.record(key, t);
      t += 0.25; // 50 s in all: inside one window
    }
    expect(topK.top(3, t).map((e) => e.key)).toEqual(['quote:SPY', 'quote:AAPL', 'quote:MSFT']);
    expect(topK.total(t)).toBe(200_000);
  });

  it('keeps at most buckets × capacity keys however many distinct keys arrive', () => {
    const topK = new WindowedTopK({ windowMs: 6_000, buckets: 6, capacity: 16 });
    for (let i = 0; i < 50_000; i++) topK.record(`k:${i}`, i % 6000);
    expect(topK.top(1_000, 5_999).length).toBeLessThanOrEqual(6 * 16);
  });

  it('forgets counts once they slide out of the window', () => {
    const topK = new WindowedTopK({ windowMs: 6_000, buckets: 6 });
    for (let i = 0; i < 100; i++) topK.record('old', 0);
    topK.record('new', 6_500);
    expect(topK.top(5, 6_500).map((e) => e.key)).toEqual(['new']);
    expect(topK.total(6_500)).toBe(1);
  });
});

describe('hot-key tracker', () => {
  it('marks a key hot above threshold req/s and exports its rate and share', () => {
    const tracker = new HotKeyTracker(10, 12_000); // six 2 s buckets
    for (let t = 0; t < 12_000; t += 20) {
      tracker.record('quote:SPY', t); // 50 req/s
      if (t % 1000 === 0) tracker.record('quote:IBM', t); // 1 req/s
    }
    const top = tracker.refresh(11_999);
    expect(tracker.isHot('quote:SPY')).toBe(true);
    expect(tracker.isHot('quote:IBM')).toBe(false);
    expect(top[0]).toMatchObject({ key: 'quote:SPY', ratePerSec: 50 });
    expect(top[0]!.share).toBeCloseTo(600 / 612, 5);
  });

  it('promotes a sudden burst within the current bucket before the next refresh', () => {
    const tracker = new HotKeyTracker(100, 60_000); // bucket 10 s: 1000 requests make it hot
    for (let i = 0; i < 1000; i++) tracker.record('burst', 5_000);
    expect(tracker.isHot('burst')).toBe(true);
  });

  it('exports at most 10 ranks', () => {
    const tracker = new HotKeyTracker(1, 6_000);
    for (let i = 0; i < 40; i++) for (let j = 0; j <= i; j++) tracker.record(`k:${i}`, 100);
    expect(tracker.refresh(100)).toHaveLength(10);
  });
});
