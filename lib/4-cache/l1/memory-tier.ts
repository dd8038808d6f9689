/**
 * L1: an in-process LRU bounded by entry count. Expiry is checked against the injected
 * clock on read (lru-cache's own TTL clock cannot be faked), which also keeps a hit free of
 * timers and promises. The factory is kept so `revalidate()` can refresh an entry later.
 *
 * An entry has two horizons: `until` (L1 freshness, l1.ttl: served without asking Redis)
 * and `keepUntil` (as long as Redis itself would serve it: logical expiry + stale window).
 * Between the two it stays in the LRU only as a fail-safe copy for when Redis cannot be
 * asked (`retained`). Memory is bounded by maxEntries exactly as before.
 */
import { LRUCache } from 'lru-cache';
import type { Envelope } from '../cache/envelope.js';
import type { Factory } from '../cache/types.js';

export interface L1Entry {
  readonly env: Envelope;
  /** L1 expiry, ms epoch: min(l1.ttl, logical expiry), or the logical expiry for a hot key. */
  readonly until: number;
  /** Kept (never served as a hit) until then, ms epoch: the fail-safe horizon, ≥ until. */
  readonly keepUntil: number;
  readonly factory: Factory<unknown>;
}

export class MemoryTier {
  private readonly lru: LRUCache<string, L1Entry> | null;

  constructor(readonly maxEntries: number) {
    this.lru = maxEntries > 0 ? new LRUCache<string, L1Entry>({ max: maxEntries }) : null;
  }

  get enabled(): boolean {
    return this.lru !== null;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  get(key: string, now: number): L1Entry | undefined {
    if (this.lru === null) return undefined;
    const e = this.lru.get(key);
    if (e === undefined) return undefined;
    if (e.until > now) return e;
    // Past L1 freshness: a miss here, but kept for the fail-safe read while it may still serve.
    if (e.keepUntil <= now) this.lru.delete(key);
    return undefined;
  }

  /** The entry for `key` if within its fail-safe horizon, fresh or not (no recency change). */
  retained(key: string, now: number): L1Entry | undefined {
    const e = this.lru?.peek(key);
    return e !== undefined && e.keepUntil > now ? e : undefined;
  }

  set(key: string, entry: L1Entry): void {
    this.lru?.set(key, entry);
  }

  delete(key: string): void {
    this.lru?.delete(key);
  }

  /** Token of the envelope held for `key`, without touching recency. */
  tokenOf(key: string): string | undefined {
    return this.lru?.peek(key)?.env.f;
  }

  *entries(): IterableIterator<[string, L1Entry]> {
    if (this.lru) yield* this.lru.entries();
  }

  /** A new tier of another size holding as many of these entries as fit, most recent first. */
  resized(maxEntries: number): MemoryTier {
    const next = new MemoryTier(maxEntries);
    if (!next.lru || !this.lru) return next;
    const keep = [...this.lru.entries()].slice(0, maxEntries).reverse();
    for (const [k, e] of keep) next.lru.set(k, e);
    return next;
  }
}
