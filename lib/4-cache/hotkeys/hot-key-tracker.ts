/**
 * Per-keyspace hot-key detection on top of WindowedTopK. A key is hot when its rate over the
 * window, or within the current bucket, reaches `threshold` req/s. The hot set is bounded by
 * the summary capacity and recomputed on every `refresh()`.
 */
import { WindowedTopK, type KeyCount } from './windowed-top-k.js';

export interface HotKeyStat {
  readonly key: string;
  readonly ratePerSec: number;
  readonly share: number;
}

export const EXPORTED_RANKS = 10;

export class HotKeyTracker {
  private readonly topK: WindowedTopK;
  private hot = new Set<string>();
  private readonly bucketThreshold: number;
  private snapshot: HotKeyStat[] = [];

  constructor(
    readonly threshold: number,
    windowMs: number,
  ) {
    this.topK = new WindowedTopK({ windowMs });
    this.bucketThreshold = Math.max(1, (threshold * this.topK.bucketMs) / 1000);
  }

  get windowMs(): number {
    return this.topK.windowMs;
  }

  record(key: string, now: number): void {
    const inBucket = this.topK.record(key, now);
    // Promote at once within a bucket, so a sudden burst is handled before the next refresh.
    if (inBucket >= this.bucketThreshold && this.hot.size < this.topK.capacity) this.hot.add(key);
  }

  isHot(key: string): boolean {
    return this.hot.size > 0 && this.hot.has(key);
  }

  /** Recomputes the hot set and the exported top list from the window ending at `now`. */
  refresh(now: number): readonly HotKeyStat[] {
    const seconds = this.topK.windowMs / 1000;
    const total = this.topK.total(now);
    const top: KeyCount[] = this.topK.top(this.topK.capacity, now);
    const overWindow = top.filter((t) => t.count / seconds >= this.threshold).map((t) => t.key);
    this.hot = new Set([...overWindow, ...this.topK.inCurrentBucket(now, this.bucketThreshold)]);
    this.snapshot = top.slice(0, EXPORTED_RANKS).map((t) => ({
      key: t.key,
      ratePerSec: t.count / seconds,
      share: total > 0 ? t.count / total : 0,
    }));
    return this.snapshot;
  }

  get top(): readonly HotKeyStat[] {
    return this.snapshot;
  }
}
