/**
 * Bounded top-K over a sliding window: the window is cut into buckets, each a space-saving
 * summary (Metwally et al.) of at most `capacity` keys. Memory is buckets × capacity entries
 * whatever the number of distinct keys; counts may be over-estimated by the evicted minimum,
 * never under-estimated for a key that stayed in the summary.
 */
export interface TopKOptions {
  readonly windowMs: number;
  readonly buckets?: number;
  readonly capacity?: number;
}

interface Bucket {
  index: number;
  total: number;
  readonly counts: Map<string, number>;
}

export interface KeyCount {
  readonly key: string;
  readonly count: number;
}

export class WindowedTopK {
  readonly bucketMs: number;
  readonly capacity: number;
  private readonly buckets: Bucket[];
  private current: Bucket;

  constructor(opts: TopKOptions) {
    const n = opts.buckets ?? 6;
    this.capacity = opts.capacity ?? 64;
    this.bucketMs = Math.max(1, Math.floor(opts.windowMs / n));
    this.buckets = Array.from({ length: n }, () => ({
      index: -1,
      total: 0,
      counts: new Map<string, number>(),
    }));
    this.current = this.buckets[0] as Bucket;
  }

  get windowMs(): number {
    return this.bucketMs * this.buckets.length;
  }

  /** Counts one request; returns the key's count in the current bucket. */
  record(key: string, now: number): number {
    const b = this.bucketAt(now);
    b.total++;
    const counts = b.counts;
    const c = counts.get(key);
    if (c !== undefined) {
      counts.set(key, c + 1);
      return c + 1;
    }
    if (counts.size < this.capacity) {
      counts.set(key, 1);
      return 1;
    }
    return this.replaceMin(counts, key);
  }

  /** The `n` largest counts over the window ending at `now`, largest first. */
  top(n: number, now: number): KeyCount[] {
    const merged = new Map<string, number>();
    for (const b of this.live(now)) for (const [k, c] of b.counts) merged.set(k, (merged.get(k) ?? 0) + c);
    return [...merged]
      .map(([key, count]) => ({ key, count }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))
      .slice(0, n);
  }

  /** Keys whose count in the bucket holding `now` is at least `min`. */
  inCurrentBucket(now: number, min: number): string[] {
    const b = this.bucketAt(now);
    const out: string[] = [];
    for (const [k, c] of b.counts) if (c >= min) out.push(k);
    return out;
  }

  /** All requests counted over the window ending at `now`. */
  total(now: number): number {
    let t = 0;
    for (const b of this.live(now)) t += b.total;
    return t;
  }

  private live(now: number): Bucket[] {
    const idx = Math.floor(now / this.bucketMs);
    return this.buckets.filter((b) => b.index > idx - this.buckets.length && b.index <= idx);
  }

  private bucketAt(now: number): Bucket {
    const idx = Math.floor(now / this.bucketMs);
    if (this.current.index === idx) return this.current;
    const b = this.buckets[idx % this.buckets.length] as Bucket;
    if (b.index !== idx) {
      b.index = idx;
      b.total = 0;
      b.counts.clear();
    }
    this.current = b;
    return b;
  }

  private replaceMin(counts: Map<string, number>, key: string): number {
    let minKey = '';
    let min = Infinity;
    for (const [k, c] of counts) {
      if (c < min) {
        min = c;
        minKey = k;
      }
    }
    counts.delete(minKey);
    counts.set(key, min + 1);
    return min + 1;
  }
}
