/**
 * The coalesced fill (docs/adr/0001-lease-and-fencing.md): local single-flight, then the
 * fleet-wide lease (lead: re-check, origin, fenced write; or wait for the holder, take over if
 * its lease frees up), then the guarded origin. Every lease is released on every path.
 */
import { LeaseWaitTimeoutError } from '../../1-ground/errors.js';
import type { Logger } from '../../1-ground/log.js';
import { L2_DOWN, type FenceResult } from '../l2/driver.js';
import type { Envelope } from './envelope.js';
import type { Fill, FillMode } from './fill.js';
import type { Keyspace } from './keyspaces.js';
import type { L2Link } from './l2-link.js';
import type { Made, Origin } from './origin.js';
import type { Factory } from './types.js';

export interface FillDeps {
  readonly link: L2Link;
  readonly origin: Origin;
  readonly clock: { now(): number };
  readonly logger: Logger;
}

/** A fill's promise until its first step is called (never awaited: replaced at once). */
const STARTED: Promise<Envelope> = new Promise(() => undefined);

export class FillCoordinator {
  /** Fills in flight, one per key; each leaves when it settles. */
  private readonly inflight = new Map<string, Fill>();

  constructor(private readonly deps: FillDeps) {}

  /** In-process single-flight: one fill per key; later callers share its envelope or its error. */
  run(
    key: string,
    ks: Keyspace,
    factory: Factory<unknown>,
    stale: Envelope | null,
    mode: FillMode,
  ): Promise<Envelope> {
    const local = ks.policy.coalescing.local;
    const running = local ? this.inflight.get(key) : undefined;
    if (running !== undefined) {
      ks.m.coalescedLocal.inc();
      return running.promise;
    }
    const fill: Fill = { key, ks, factory, stale, mode, superseded: false, promise: STARTED };
    if (!local) return this.fill(fill);
    this.inflight.set(key, fill);
    fill.promise = this.fill(fill).finally(() => {
      if (this.inflight.get(key) === fill) this.inflight.delete(key);
    });
    return fill.promise;
  }

  running(key: string): boolean {
    return this.inflight.has(key);
  }

  /** A write or delete began: the fill in flight may carry the old value, which must not land after the new one. */
  supersede(key: string): void {
    const running = this.inflight.get(key);
    if (running !== undefined) running.superseded = true;
  }

  /**
   * Writes L2 (fenced by `token`, '' for none) then L1. A rejected fenced write leaves both
   * tiers to the newer writer; an unreachable L2 leaves the value in L1 only.
   */
  async store(
    key: string,
    ks: Keyspace,
    made: Made,
    factory: Factory<unknown>,
    token: string,
  ): Promise<FenceResult> {
    const r = await this.deps.link.write(key, made.env, made.pttlMs, ks.copies(key), token);
    if (r === 'rejected-superseded' || r === 'rejected-expired') {
      ks.m.fencedRejected.inc();
      this.deps.logger.warn('fenced write rejected: this leader no longer holds the lease', {
        key,
        reason: r,
      });
      return r;
    }
    ks.keep(key, made.env, factory, this.deps.clock.now());
    return r;
  }

  /** The local leader: takes the fleet-wide lease when it can, waits for its holder otherwise. */
  private async fill(f: Fill): Promise<Envelope> {
    const c = f.ks.policy.coalescing;
    if (c.distributed && this.deps.link.connected) {
      const acq = await this.deps.link.acquire(f.key, c.leaseTtlMs);
      if (acq !== L2_DOWN && acq.won) {
        f.ks.m.lease.acquired.inc();
        return this.lead(f, acq.token);
      }
      if (acq !== L2_DOWN) {
        f.ks.m.lease.waited.inc();
        f.ks.m.coalescedDistributed.inc();
        return this.wait(f, acq.holderPttlMs);
      }
    }
    // No L2 (or no lease wanted): local single-flight and the origin guard still protect the origin.
    return this.unleased(f);
  }

  /** Holding the lease: re-check L2 (another pod may have filled the key since our GET), else compute. */
  private async lead(f: Fill, token: string): Promise<Envelope> {
    let released = false; // the fenced write releases the lease in the same step
    try {
      const again = await this.deps.link.reread(f.key);
      if (again !== null && again !== L2_DOWN && f.mode.accept(again, this.deps.clock.now()))
        return this.found(f, again);
      const made = await this.ask(f, token);
      released = (await this.settle(f, made, token)) === 'written';
      return made.env;
    } finally {
      if (!released) await this.deps.link.release(f.key, token);
    }
  }

  /** Without a lease (no L2, none wanted, or L2 died mid-wait): the write is not fenced. */
  private async unleased(f: Fill): Promise<Envelope> {
    const made = await this.ask(f, this.deps.link.newToken());
    await this.settle(f, made, '');
    return made.env;
  }

  /** Waits for the holder's value (woken by its announcement, or polling with backoff); takes over if the lease frees up. */
  private async wait(f: Fill, holderPttlMs: number): Promise<Envelope> {
    const c = f.ks.policy.coalescing;
    const deadline = this.deps.clock.now() + c.waitTimeoutMs;
    let backoff = Math.min(10, Math.max(1, holderPttlMs));
    for (;;) {
      const remaining = deadline - this.deps.clock.now();
      if (remaining <= 0 || !this.deps.link.connected) return this.waitTimedOut(f);
      await this.deps.link.filled(f.key, Math.min(backoff, remaining));
      backoff = Math.min(backoff * 2, 250);
      const env = await this.deps.link.reread(f.key);
      // L2 died while we waited: fall back to the local leader, still behind the origin guard.
      if (env === L2_DOWN) return this.unleased(f);
      if (env !== null && f.mode.accept(env, this.deps.clock.now())) return this.found(f, env);
      // The holder released without a value, or died and its lease expired: exactly one waiter wins it.
      const acq = await this.deps.link.acquire(f.key, c.leaseTtlMs);
      if (acq !== L2_DOWN && acq.won) {
        f.ks.m.lease.takeover.inc();
        this.deps.logger.info('lease takeover', { key: f.key });
        return this.lead(f, acq.token);
      }
    }
  }

  private waitTimedOut(f: Fill): Envelope {
    f.ks.m.lease.timeout.inc();
    if (f.stale === null) throw new LeaseWaitTimeoutError(f.key, f.ks.policy.coalescing.waitTimeoutMs);
    f.ks.m.staleFallback.lease_wait_timeout.inc();
    return f.stale;
  }

  /** The origin's answer, its envelope written with `token`; or, when it failed within staleIfError, the stale one (not stored). */
  private async ask(f: Fill, token: string): Promise<Made> {
    let made: Made;
    try {
      made = await this.deps.origin.fetch(f.key, f.ks.policy, f.factory, token);
    } catch (err) {
      if (f.stale === null || this.deps.clock.now() - f.stale.e >= f.ks.policy.staleIfErrorMs) throw err;
      f.ks.m.staleFallback.origin_failed.inc();
      this.deps.logger.warn('origin failed; serving stale within staleIfError', { key: f.key, err });
      return { env: f.stale, pttlMs: 0, storable: false };
    }
    if (f.mode.reason !== null) f.ks.m.refresh[f.mode.reason].inc();
    return made;
  }

  /** Stores the answer unless it must not be (stale, an uncached not-found, superseded by a write); null when not stored. */
  private async settle(f: Fill, made: Made, token: string): Promise<FenceResult | null> {
    if (!made.storable || f.superseded) return null;
    return this.store(f.key, f.ks, made, f.factory, token);
  }

  private found(f: Fill, env: Envelope): Envelope {
    f.ks.keep(f.key, env, f.factory, this.deps.clock.now());
    return env;
  }
}
