/**
 * What the cache needs from its shared tier: envelopes, the fenced write, one lease per key
 * and fill announcements (docs/adr/0001-lease-and-fencing.md). RedisDriver is the real one;
 * MemoryDriver (l2/testing/) serves fast unit tests. Both are held to one contract suite
 * (l2/driver-contract.test-helpers.ts), so the Lua is tested on a real Redis and the test
 * double cannot drift from it.
 *
 * No method rejects: a backend that cannot be asked answers L2_DOWN at once, and the cache
 * carries on from L1 and the origin.
 */
import type { Envelope } from '../cache/envelope.js';

export const L2_DOWN: unique symbol = Symbol('herdguard.L2_DOWN');
export type L2Down = typeof L2_DOWN;

/**
 * A fenced write or remove. `token` '' writes without a lease. A token stamped before the
 * node's failover epoch counts as superseded, whoever holds the lease now.
 */
export type FenceResult = 'written' | 'rejected-superseded' | 'rejected-expired' | L2Down;

/** `token` is the stamped token (`<token>@<epoch>`) the fenced write must present. */
export type Acquired =
  { readonly won: true; readonly token: string } | { readonly won: false; readonly holderPttlMs: number };

/** A fill announcement: `key` now holds the value written with `token` (or was removed). */
export type FillListener = (key: string, token: string) => void;

export interface L2Driver {
  /**
   * Copy `copy` of `key` (0: the key itself, 1..n-1: hot-key replicas); null when absent or
   * not an envelope. The hit path: no async frame of its own.
   */
  read(key: string, copy: number): Promise<Envelope | null | L2Down>;
  /** Waits at most `timeoutMs` for a connection still being made; false when none came up. */
  whenReady(timeoutMs: number): Promise<boolean>;
  /**
   * Writes `env` to `key` and its `copies - 1` replicas (dropping replicas beyond them) for
   * `pttlMs`, fenced by `token`; on success releases the lease and announces `env.f`, all at once.
   */
  write(key: string, env: Envelope, pttlMs: number, copies: number, token: string): Promise<FenceResult>;
  /** Removes `key` and its replicas under the same fence; announces `notice` (a token no L1 copy carries). */
  remove(key: string, token: string, notice: string): Promise<FenceResult>;
  /** Takes the lease of `key` for `ttlMs` unless someone of this epoch holds it. */
  acquire(key: string, token: string, ttlMs: number): Promise<Acquired | L2Down>;
  /** The write path's acquisition (a writer token): takes the lease from a reader, never from another writer of this epoch. */
  acquireForWriter(key: string, token: string, ttlMs: number): Promise<Acquired | L2Down>;
  /** Compare-and-delete: true when `token` held the lease and no longer does, false when it did not hold it. */
  release(key: string, token: string): Promise<boolean | L2Down>;
  /**
   * True while the driver skips a failing backend (its breaker is open): a retry on a timer
   * waits, rather than spend the one trial request the breaker lets through.
   */
  readonly breakerOpen: boolean;
  /** Calls `listener` for every fill announced on this cache's channel, its own included. One listener. */
  listen(listener: FillListener): void;
  /** Stops listening and closes what the driver opened (never the caller's client). */
  close(): void;
}
