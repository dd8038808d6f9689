/**
 * The distributed lease: one holder per key across the fleet, identified by a token that
 * fences its value write (see docs/adr/0001-lease-and-fencing.md).
 */
import type { L2Down, RedisTier } from '../l2/redis-tier.js';
import { isNoReplicasReply, L2_DOWN } from '../l2/redis-tier.js';
import { WRITER_TOKEN_PREFIX } from './fencing.js';
import { EPOCH_KEY, leaseKey } from './keys.js';
import { ACQUIRE, ACQUIRE_WRITER, RELEASE, runScript } from './scripts.js';

export type Acquired =
  { readonly won: true; readonly token: string } | { readonly won: false; readonly holderPttlMs: number };

/**
 * Unique fence tokens: `instanceId` tells processes apart, the sequence tells calls apart.
 * The Redis node stamps each won token with its failover epoch (lease/scripts.ts).
 */
export class TokenSource {
  private seq = 0;
  constructor(private readonly instanceId: string) {}
  next(writer = false): string {
    return `${writer ? WRITER_TOKEN_PREFIX : ''}${this.instanceId}.${++this.seq}`;
  }
}

/** Leases whose release could not reach Redis, kept for a retry: at most this many. */
export const MAX_ORPHANED_LEASES = 10_000;

export class RedisLease {
  /**
   * Releases that failed (Redis down, or a demoted node answering READONLY), by key. A
   * replica promoted in the meantime holds a copy of each lease, which would block the
   * next writer of that key for a whole leaseTTL; they are released again once Redis answers.
   */
  private orphans = new Map<string, string>();

  constructor(
    private readonly tier: RedisTier,
    private readonly tokens: TokenSource,
  ) {}

  acquire(key: string, ttlMs: number): Promise<Acquired | L2Down> {
    return this.run(key, ttlMs, false);
  }

  /** The write path's acquisition: takes the lease from a reader, waits for another writer. */
  acquireForWrite(key: string, ttlMs: number): Promise<Acquired | L2Down> {
    return this.run(key, ttlMs, true);
  }

  /** Best effort: a lease we cannot delete now is retried by releaseOrphans(), and expires by itself after leaseTTL. */
  async release(key: string, token: string): Promise<void> {
    if (!this.tier.usable()) return this.orphan(key, token);
    try {
      await runScript(this.tier.client, RELEASE, [leaseKey(key)], [token]);
      this.tier.health.success(); // also ends a half-open trial that usable() handed us
    } catch (err) {
      this.tier.report(err);
      this.orphan(key, token);
    }
  }

  get orphaned(): number {
    return this.orphans.size;
  }

  /** Releases again what failed before (compare-and-delete: a lease someone else holds now is left alone). */
  async releaseOrphans(): Promise<void> {
    // Only while Redis is known healthy: this runs on a timer, and must not take the breaker's
    // single half-open trial (each release() below asks for, and reports on, its own).
    if (this.orphans.size === 0 || this.tier.health.open) return;
    const all = [...this.orphans];
    this.orphans = new Map();
    for (const [key, token] of all) await this.release(key, token);
  }

  private orphan(key: string, token: string): void {
    if (this.orphans.size >= MAX_ORPHANED_LEASES && !this.orphans.has(key)) return; // they expire by themselves
    this.orphans.set(key, token);
  }

  private async run(key: string, ttlMs: number, writer: boolean): Promise<Acquired | L2Down> {
    if (!this.tier.usable()) return L2_DOWN;
    const token = this.tokens.next(writer);
    try {
      const [won, pttl, stamped] = (await runScript(
        this.tier.client,
        writer ? ACQUIRE_WRITER : ACQUIRE,
        [leaseKey(key), EPOCH_KEY],
        writer ? [token, ttlMs, WRITER_TOKEN_PREFIX] : [token, ttlMs],
      )) as [number, number, string?];
      this.tier.health.success();
      return won === 1 ? { won: true, token: stamped ?? token } : { won: false, holderPttlMs: pttl };
    } catch (err) {
      // NOREPLICAS (a fenced primary) is a degraded write: no lease, the fill goes on without one.
      if (!isNoReplicasReply(err)) this.tier.report(err);
      else this.tier.health.success();
      return L2_DOWN;
    }
  }
}
