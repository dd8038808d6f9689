/**
 * Refreshes that no caller waits for: early (XFetch), stale-while-revalidate, revalidation
 * after a promotion, and warmup. Each goes through the same fill as a miss (single-flight,
 * lease, guard); background ones through a bounded queue that yields to serving
 * (docs/adr/0012-paced-background-refresh.md).
 */
import type { Logger } from '../../1-ground/log.js';
import type { OriginPolicy } from '../../3-policy/types.js';
import { BackgroundQueue } from '../refresh/background-queue.js';
import { backgroundConcurrency, refreshDueInMs, type RefreshReason } from '../refresh/due.js';
import { runWarmup } from '../refresh/warmup.js';
import { shouldRefreshEarly } from '../refresh/xfetch.js';
import type { Envelope } from './envelope.js';
import { WARMUP, type FillMode } from './fill.js';
import type { FillCoordinator } from './fill-coordinator.js';
import type { Keyspace, Keyspaces } from './keyspaces.js';
import type { Origin } from './origin.js';
import type { Factory, WarmupOptions } from './types.js';

export interface RefresherDeps {
  readonly fills: FillCoordinator;
  readonly keyspaces: Keyspaces;
  readonly origin: Origin;
  readonly clock: { now(): number };
  readonly random: () => number;
  readonly logger: Logger;
}

const BACKGROUND_MAX_PENDING = 10_000;

export class Refresher {
  private readonly background: BackgroundQueue;
  /** Read on every hit with early refresh on: held directly, not through `deps`. */
  private readonly random: () => number;
  private closed = false;

  constructor(
    origin: OriginPolicy,
    private readonly deps: RefresherDeps,
  ) {
    this.random = deps.random;
    // Refreshes yield to serving and to misses queued at the origin guard.
    this.background = new BackgroundQueue({
      concurrency: backgroundConcurrency(origin),
      maxPending: BACKGROUND_MAX_PENDING,
      onError: (key, err) => this.failed(key, err),
      originBusy: () => deps.origin.busy,
    });
  }

  setPolicy(origin: OriginPolicy): void {
    this.background.setConcurrency(backgroundConcurrency(origin));
  }

  /** XFetch's coin flip: refresh ahead of expiry with a probability rising as it nears. Only when early refresh is on. */
  maybeEarly(key: string, ks: Keyspace, env: Envelope, now: number, factory: Factory<unknown>): void {
    if (env.nf || !shouldRefreshEarly(now, env.e, env.d, ks.policy.earlyRefreshBeta as number, this.random()))
      return;
    this.schedule(key, ks, factory, 'early', env);
  }

  /** Schedules one refresh of `key`; a newer envelope found in L2 on the way makes it a no-op. False when not scheduled. */
  schedule(
    key: string,
    ks: Keyspace,
    factory: Factory<unknown>,
    reason: RefreshReason,
    seen: Envelope,
    accept?: FillMode['accept'],
  ): boolean {
    // A key already queued is only counted (hot keys go first), with nothing allocated.
    if (this.closed || this.deps.fills.running(key) || this.background.sighted(key)) return false;
    const mode: FillMode = { reason, accept: accept ?? ((env, now) => now < env.e && env.c > seen.c) };
    const dueInMs = refreshDueInMs(reason, seen, this.deps.clock.now(), ks.policy.staleWhileRevalidateMs);
    return this.background.schedule(
      key,
      async () => {
        await this.deps.fills.run(key, ks, factory, null, mode);
      },
      dueInMs,
    );
  }

  /** Refreshes the live L1 entries `predicate` picks; how many were scheduled. */
  revalidate(predicate: (key: string, writtenAtMs: number) => boolean): number {
    let scheduled = 0;
    const now = this.deps.clock.now();
    for (const ks of this.deps.keyspaces.all()) {
      for (const [key, entry] of [...ks.l1.entries()]) {
        // L1 expires lazily: an entry past its L1 expiry is never served again, so refreshing it
        // would only load the origin (after a promotion, thousands of them at once).
        if (entry.until <= now || entry.env.nf || !predicate(key, entry.env.c)) continue;
        const accept = (env: Envelope, at: number) => at < env.e && !predicate(key, env.c);
        if (this.schedule(key, ks, entry.factory, 'revalidate', entry.env, accept)) scheduled++;
      }
    }
    return scheduled;
  }

  async warmup(
    keys: readonly string[],
    factory: Factory<unknown>,
    opts: WarmupOptions,
  ): Promise<{ warmed: number; failed: number }> {
    return await runWarmup({
      keys,
      ratePerSecond: opts.ratePerSecond,
      batchSize: opts.batchSize,
      ...(opts.signal ? { signal: opts.signal } : {}),
      now: () => this.deps.clock.now(),
      load: async (key) => {
        const ks = this.deps.keyspaces.of(key);
        if (ks === undefined) return false;
        try {
          const env = await this.deps.fills.run(key, ks, factory, null, WARMUP);
          // A key the origin does not have is warmed (negatively) all the same, counted apart.
          (env.nf ? ks.m.warmupFailed : ks.m.warmupOk).inc();
          return true;
        } catch {
          ks.m.warmupFailed.inc();
          return false;
        }
      },
    });
  }

  /** Drops what has not started, waits for what runs. */
  async close(): Promise<void> {
    this.closed = true;
    await this.background.close();
  }

  private failed(key: string, err: unknown): void {
    this.deps.keyspaces.of(key)?.countError(err);
    this.deps.logger.warn('background refresh failed; the cached value stays', { key, err });
  }
}
