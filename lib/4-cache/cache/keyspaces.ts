/**
 * The cache's state per keyspace of the policy: its L1, its hot-key tracker, its metrics.
 * A policy change keeps what it can (L1 entries, a tracker with the same settings).
 */
import { HerdguardError, NotFoundError } from '../../1-ground/errors.js';
import { keyspaceFor } from '../../3-policy/load.js';
import type { CachePolicy, KeyspacePolicy } from '../../3-policy/types.js';
import { HotKeyTracker, type HotKeyStat } from '../hotkeys/hot-key-tracker.js';
import { MemoryTier } from '../l1/memory-tier.js';
import type { CacheMetrics, KeyspaceMetrics } from '../metrics/cache-metrics.js';
import { staleWindowMs, type Envelope } from './envelope.js';
import type { Factory, HotKey } from './types.js';

const EXPORTED_HOT_KEYS = 10;

export class Keyspace {
  constructor(
    readonly policy: KeyspacePolicy,
    readonly l1: MemoryTier,
    readonly hot: HotKeyTracker | null,
    readonly m: KeyspaceMetrics,
  ) {}

  isHot(key: string): boolean {
    return this.hot !== null && this.hot.isHot(key);
  }

  /** Keeps `env` in L1: fresh for l1.ttl, then as a fail-safe copy for as long as Redis would serve it. */
  keep(key: string, env: Envelope, factory: Factory<unknown>, now: number): void {
    if (!this.l1.enabled) return;
    // Hot keys stay until their logical expiry: fills elsewhere evict them through their announcement.
    const until = this.isHot(key) ? env.e : Math.min(now + this.policy.l1.ttlMs, env.e);
    // A negative entry is never served stale.
    const keepUntil = env.nf ? env.e : env.e + staleWindowMs(this.policy);
    if (until > now) this.l1.set(key, { env, until, keepUntil, factory });
  }

  /** Copies a write makes: the replicas of a hot key, else one. */
  copies(key: string): number {
    const hk = this.policy.hotKeys;
    return hk !== null && this.isHot(key) ? hk.replicas : 1;
  }

  /** The copy a read asks for: a random replica of a hot key, so no single Redis key takes every read. */
  readCopy(key: string, random: () => number): number {
    const hk = this.policy.hotKeys;
    if (hk === null || hk.replicas <= 1 || !this.isHot(key)) return 0;
    return Math.floor(random() * hk.replicas);
  }

  /** Counts a failure by its stable code; a not-found is an answer, not an error. */
  countError(err: unknown): void {
    if (err instanceof NotFoundError) return;
    this.m.error(err instanceof HerdguardError ? err.code : 'E_UNKNOWN');
  }
}

export class Keyspaces {
  private byPrefix = new Map<string, Keyspace>();
  private current: CachePolicy;

  constructor(
    private readonly metrics: CacheMetrics,
    policy: CachePolicy,
  ) {
    this.current = policy;
    this.apply(policy);
  }

  get policy(): CachePolicy {
    return this.current;
  }

  of(key: string): Keyspace | undefined {
    const p = keyspaceFor(this.current, key);
    return p === undefined ? undefined : this.byPrefix.get(p.prefix);
  }

  all(): IterableIterator<Keyspace> {
    return this.byPrefix.values();
  }

  apply(policy: CachePolicy): void {
    const next = new Map<string, Keyspace>();
    for (const p of policy.keyspaces) {
      const old = this.byPrefix.get(p.prefix);
      const l1 =
        old === undefined
          ? new MemoryTier(p.l1.maxEntries)
          : old.l1.maxEntries === p.l1.maxEntries
            ? old.l1
            : old.l1.resized(p.l1.maxEntries);
      const sameHot =
        old?.hot != null &&
        p.hotKeys !== null &&
        old.hot.threshold === p.hotKeys.threshold &&
        old.hot.windowMs === p.hotKeys.windowMs;
      const hot =
        p.hotKeys === null
          ? null
          : sameHot
            ? (old?.hot ?? null)
            : new HotKeyTracker(p.hotKeys.threshold, p.hotKeys.windowMs);
      next.set(p.prefix, new Keyspace(p, l1, hot, this.metrics.keyspace(p.prefix)));
    }
    this.byPrefix = next;
    this.current = policy;
    this.metrics.retain(new Set(next.keys()));
  }

  /** A fill of `key` was announced: our L1 copy goes unless it is that very value. */
  filled(key: string, token: string): void {
    const ks = this.of(key);
    const held = ks?.l1.tokenOf(key);
    if (held !== undefined && held !== token) ks?.l1.delete(key);
  }

  /** Drops the L1 copies `predicate` picks; how many. */
  evictL1(predicate: (key: string, writtenAtMs: number) => boolean): number {
    let dropped = 0;
    for (const ks of this.byPrefix.values()) {
      for (const [key, entry] of [...ks.l1.entries()]) {
        if (!predicate(key, entry.env.c)) continue;
        ks.l1.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  hotKeys(now: number): readonly HotKey[] {
    const all: HotKeyStat[] = [];
    for (const ks of this.byPrefix.values()) if (ks.hot !== null) all.push(...ks.hot.refresh(now));
    return all.sort((a, b) => b.ratePerSec - a.ratePerSec).slice(0, EXPORTED_HOT_KEYS);
  }

  /** The periodic gauges: L1 size, hot-key shares by rank. */
  export(now: number): void {
    let entries = 0;
    for (const ks of this.byPrefix.values()) {
      entries += ks.l1.size;
      if (ks.hot !== null) ks.m.setHotKeys(ks.hot.refresh(now));
    }
    this.metrics.setL1Entries(entries);
  }
}
