import { LRUCache } from 'lru-cache';

/**
 * The keys a service served most recently, bounded: after a cold Redis it warms these,
 * most recent first (the cache's hot-key tracker keeps only the top few dozen).
 */
export class RecentKeys {
  private readonly lru: LRUCache<string, true>;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`expected max to be a positive integer, got ${String(max)}`);
    this.lru = new LRUCache<string, true>({ max });
  }

  touch(key: string): void {
    this.lru.set(key, true);
  }

  /** Up to `n` keys, most recently served first. */
  top(n: number): string[] {
    const out: string[] = [];
    for (const k of this.lru.keys()) {
      if (out.length >= n) break;
      out.push(k);
    }
    return out;
  }
}
