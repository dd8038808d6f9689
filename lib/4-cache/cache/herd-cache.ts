/**
 * The cache. `get()` is the read path of DESIGN.md: L1, then one Redis GET, then the
 * coalesced fill (local single-flight, then the fenced Redis lease, then the guarded
 * origin). Each outcome has its own small method; every lease is released on every path.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import {
  HerdguardError,
  L2UnavailableError,
  LeaseWaitTimeoutError,
  NoKeyspaceError,
  NotFoundError,
  OriginError,
  OriginRejectedError,
  OriginTimeoutError,
} from '../../1-ground/errors.js';
import { HotKeyTracker, type HotKeyStat } from '../hotkeys/hot-key-tracker.js';
import { MemoryTier } from '../l1/memory-tier.js';
import { L2_DOWN, RedisTier, type L2Down } from '../l2/redis-tier.js';
import { FillNotifier } from '../lease/fill-notifier.js';
import { fillChannel } from '../lease/keys.js';
import { RedisLease, TokenSource } from '../lease/redis-lease.js';
import { silentLogger, type Logger } from '../../1-ground/log.js';
import { CacheMetrics, type KeyspaceMetrics, type OriginOutcome } from '../metrics/cache-metrics.js';
import { callWithTimeout } from '../origin/call-origin.js';
import { OriginGuard } from '../origin/origin-guard.js';
import { keyspaceFor } from '../../3-policy/load.js';
import type { CachePolicy, KeyspacePolicy } from '../../3-policy/types.js';
import { BackgroundQueue } from '../refresh/background-queue.js';
import { backgroundConcurrency, refreshDueInMs } from '../refresh/due.js';
import { lifetimes } from '../refresh/jitter.js';
import { runWarmup } from '../refresh/warmup.js';
import { shouldRefreshEarly } from '../refresh/xfetch.js';
import { freshness, staleWindowMs, type Envelope } from './envelope.js';
import { NOT_FOUND } from './not-found.js';
import { validateCacheOptions, validateWarmupOptions } from './options.js';
import type { Cache, CacheOptions, Factory, HotKey, WarmupOptions } from './types.js';

interface KeyspaceState {
  readonly ks: KeyspacePolicy;
  readonly l1: MemoryTier;
  readonly hot: HotKeyTracker | null;
  readonly m: KeyspaceMetrics;
}

/** An in-process computation for one key; `superseded` is set by a write that began after it. */
interface Flight {
  promise: Promise<unknown>;
  superseded: boolean;
}

/** Why a fill runs, and which envelope found in Redis on a re-check makes it unnecessary. */
interface FillMode {
  readonly reason: 'early' | 'stale' | 'warmup' | 'revalidate' | null;
  readonly accept: (env: Envelope, now: number) => boolean;
}

/** The lease a fill holds; `written` once the fenced write (which also releases it) succeeded. */
interface Fence {
  readonly token: string;
  written: boolean;
}

interface Made {
  readonly env: Envelope;
  readonly pttlMs: number;
}

const MISS: FillMode = { reason: null, accept: (env, now) => now < env.e };
const TICK_MS = 1000;
const BACKGROUND_MAX_PENDING = 10_000;
const EXPORTED_HOT_KEYS = 10;
const MAX_DISTRUST_WINDOWS = 8;

function valueOf(env: Envelope, key: string): unknown {
  if (env.nf) throw new NotFoundError(key);
  return env.v;
}

export class HerdCache implements Cache {
  private policyNow: CachePolicy;
  private states = new Map<string, KeyspaceState>();
  private readonly inflight = new Map<string, Flight>();
  private readonly tokens = new TokenSource(randomBytes(6).toString('hex'));
  private readonly metrics: CacheMetrics;
  private readonly guard: OriginGuard;
  private readonly background: BackgroundQueue;
  private readonly notifier: FillNotifier;
  private l2: RedisTier | null = null;
  private lease: RedisLease | null = null;
  private readonly clock: { now(): number };
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly ticker: NodeJS.Timeout;
  private closed = false;
  /** Retries of failed lease releases, one at a time; close() waits for it. */
  private releasing: Promise<void> = Promise.resolve();
  /** Creation-time windows of suspect L2 entries (see distrustWrittenBetween), newest last, bounded. */
  private distrusted: Array<readonly [number, number]> = [];

  constructor(private readonly opts: CacheOptions) {
    validateCacheOptions(opts);
    this.policyNow = opts.policy;
    this.clock = opts.clock ?? Date;
    this.random = opts.random ?? Math.random;
    this.logger = (opts.logger ?? silentLogger).child({ component: 'cache', service: opts.service });
    const origin = opts.originName ?? 'origin';
    this.metrics = new CacheMetrics(opts.registry ?? new Registry(), opts.service, origin);
    this.guard = new OriginGuard(
      opts.policy.origin,
      origin,
      () => this.clock.now(),
      (open) => this.circuitChanged(open),
    );
    // Refreshes yield to serving and to misses queued at the origin guard (refresh/background-queue.ts).
    this.background = new BackgroundQueue({
      concurrency: backgroundConcurrency(opts.policy.origin),
      maxPending: BACKGROUND_MAX_PENDING,
      onError: (key, err) => this.backgroundFailed(key, err),
      originBusy: () => this.guard.queued > 0,
    });
    this.notifier = new FillNotifier(
      fillChannel(opts.service),
      (key, token) => this.filledElsewhere(key, token),
      this.logger,
    );
    this.applyPolicy(opts.policy);
    if (opts.redis) this.setRedis(opts.redis);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  get policy(): CachePolicy {
    return this.policyNow;
  }

  // ---------------------------------------------------------------- read path

  get<T>(key: string, factory: Factory<T>): Promise<T> {
    const st = this.stateFor(key);
    if (st === undefined) return Promise.reject(new NoKeyspaceError(key));
    const now = this.clock.now();
    if (st.hot !== null) st.hot.record(key, now);
    const hit = st.l1.get(key, now);
    if (hit === undefined) return this.handle(key, st, factory) as Promise<T>;
    // L1 hit: no Redis, no awaits; only the XFetch coin flip when early refresh is on.
    st.m.l1Hit.inc();
    if (hit.env.nf) return Promise.reject(new NotFoundError(key));
    if (st.ks.earlyRefreshBeta !== null) this.maybeRefreshEarly(key, st, hit.env, now, factory);
    return Promise.resolve(hit.env.v as T);
  }

  private async handle(key: string, st: KeyspaceState, factory: Factory<unknown>): Promise<unknown> {
    try {
      const env = this.l2 === null ? null : await this.readL2(this.l2, key, st);
      if (env === L2_DOWN) return await this.failSafe(key, st, factory);
      if (st.l1.enabled) st.m.l1Miss.inc();
      if (env === null) {
        st.m.l2Miss.inc();
        return await this.coalesce(key, st, factory, null, MISS);
      }
      const state = this.l2Freshness(env, st);
      if (state === 'fresh' || state === 'stale-revalidate')
        return this.serveL2(key, st, env, state, factory);
      st.m.l2Miss.inc();
      return await this.coalesce(key, st, factory, state === 'stale-if-error' ? env : null, MISS);
    } catch (err) {
      this.countError(st, err);
      throw err;
    }
  }

  /**
   * Fail-safe: Redis cannot be asked (breaker open, client not ready, the GET failed), so the
   * L1 copy kept past l1.ttl stands in for the Redis entry it was read from and is judged the
   * same way. Fresh or stale-while-revalidate: served, counted `tier="l1", result="stale"` (L1
   * could not check it against Redis, the one thing l1.ttl promises). Otherwise the coalesced
   * fill, with the copy as its stale-if-error value. While Redis answers this never runs.
   */
  private async failSafe(key: string, st: KeyspaceState, factory: Factory<unknown>): Promise<unknown> {
    const now = this.clock.now();
    const kept = st.l1.retained(key, now);
    const state = kept === undefined ? 'dead' : this.l2Freshness(kept.env, st);
    if (kept !== undefined && (state === 'fresh' || state === 'stale-revalidate')) {
      st.m.l1Stale.inc();
      if (state === 'stale-revalidate') this.refreshInBackground(key, st, factory, 'stale', kept.env);
      else if (st.ks.earlyRefreshBeta !== null) this.maybeRefreshEarly(key, st, kept.env, now, factory);
      return valueOf(kept.env, key);
    }
    if (st.l1.enabled) st.m.l1Miss.inc();
    st.m.l2Miss.inc();
    return await this.coalesce(key, st, factory, state === 'stale-if-error' ? (kept?.env ?? null) : null, MISS);
  }

  /**
   * A value written around a promotion may be older than what the origin has (the newer
   * write went to the lost primary): serve it, but refresh it at once. Negative entries
   * keep their own rule (never served stale).
   */
  private l2Freshness(env: Envelope, st: KeyspaceState): ReturnType<typeof freshness> {
    const state = freshness(env, this.clock.now(), st.ks);
    if (state !== 'fresh' || env.nf || this.distrusted.length === 0) return state;
    return this.distrusted.some(([from, to]) => env.c >= from && env.c < to) ? 'stale-revalidate' : state;
  }

  /** One GET; a hot key reads a random copy and falls back to the key itself if that copy is missing. */
  private readL2(l2: RedisTier, key: string, st: KeyspaceState): Promise<Envelope | null | L2Down> {
    const copy = this.readCopy(key, st);
    if (copy === 0) return l2.fetch(key, 0);
    return l2.fetch(key, copy).then((env) => (env === null ? l2.fetch(key, 0) : env));
  }

  /** Serves a fresh value (maybe flipping the XFetch coin) or a stale one while one refresh runs. */
  private serveL2(
    key: string,
    st: KeyspaceState,
    env: Envelope,
    state: 'fresh' | 'stale-revalidate',
    factory: Factory<unknown>,
  ): unknown {
    if (state === 'fresh') {
      st.m.l2Hit.inc();
      this.l1Set(key, st, env, factory);
      if (st.ks.earlyRefreshBeta !== null) this.maybeRefreshEarly(key, st, env, this.clock.now(), factory);
    } else {
      st.m.l2Stale.inc();
      this.refreshInBackground(key, st, factory, 'stale', env);
    }
    return valueOf(env, key);
  }

  // ---------------------------------------------------------------- coalesced fill

  /** In-process single-flight: one fill per key; later callers share its result or error. */
  private coalesce(
    key: string,
    st: KeyspaceState,
    factory: Factory<unknown>,
    stale: Envelope | null,
    mode: FillMode,
  ): Promise<unknown> {
    if (!st.ks.coalescing.local) return this.fill(key, st, factory, stale, mode, null);
    const existing = this.inflight.get(key);
    if (existing !== undefined) {
      st.m.coalescedLocal.inc();
      return existing.promise;
    }
    const flight: Flight = { promise: Promise.resolve(), superseded: false };
    this.inflight.set(key, flight);
    flight.promise = this.fill(key, st, factory, stale, mode, flight).finally(() => {
      if (this.inflight.get(key) === flight) this.inflight.delete(key);
    });
    return flight.promise;
  }

  /** The local leader: takes the fleet-wide lease when it can, waits for its holder otherwise. */
  private async fill(
    key: string,
    st: KeyspaceState,
    factory: Factory<unknown>,
    stale: Envelope | null,
    mode: FillMode,
    flight: Flight | null,
  ): Promise<unknown> {
    const c = st.ks.coalescing;
    if (c.distributed && this.lease !== null) {
      const acq = await this.lease.acquire(key, c.leaseTtlMs);
      if (acq !== L2_DOWN && acq.won) {
        st.m.lease.acquired.inc();
        return this.fillAsLeader(key, st, factory, stale, mode, flight, acq.token);
      }
      if (acq !== L2_DOWN) {
        st.m.lease.waited.inc();
        st.m.coalescedDistributed.inc();
        return this.fillAsWaiter(key, st, factory, stale, mode, flight, acq.holderPttlMs);
      }
    }
    // No Redis (or no lease wanted): local single-flight and the origin guard still protect the origin.
    return this.compute(key, st, factory, stale, mode, flight, null);
  }

  private async fillAsLeader(
    key: string,
    st: KeyspaceState,
    factory: Factory<unknown>,
    stale: Envelope | null,
    mode: FillMode,
    flight: Flight | null,
    token: string,
  ): Promise<unknown> {
    const fence: Fence = { token, written: false };
    try {
      // Re-check L2 under the lease: another pod may have filled the key since our GET.
      const again = this.l2 === null ? null : await this.l2.read(key);
      if (again !== null && again !== L2_DOWN && mode.accept(again, this.clock.now())) {
        this.l1Set(key, st, again, factory);
        return valueOf(again, key);
      }
      return await this.compute(key, st, factory, stale, mode, flight, fence);
    } finally {
      if (!fence.written) await this.lease?.release(key, token);
    }
  }

  /** Waits for the lease holder's value (pub/sub wake-up or polling with backoff); takes over if the lease frees up. */
  private async fillAsWaiter(
    key: string,
    st: KeyspaceState,
    factory: Factory<unknown>,
    stale: Envelope | null,
    mode: FillMode,
    flight: Flight | null,
    holderPttlMs: number,
  ): Promise<unknown> {
    const deadline = this.clock.now() + st.ks.coalescing.waitTimeoutMs;
    let backoff = Math.min(10, Math.max(1, holderPttlMs));
    for (;;) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0 || this.l2 === null || this.lease === null) return this.waitTimedOut(key, st, stale);
      await this.notifier.wait(key, Math.min(backoff, remaining));
      backoff = Math.min(backoff * 2, 250);
      const env = await this.l2.read(key);
      // Redis died while we waited: fall back to the local leader, still behind the origin guard.
      if (env === L2_DOWN) return this.compute(key, st, factory, stale, mode, flight, null);
      if (env !== null && mode.accept(env, this.clock.now())) {
        this.l1Set(key, st, env, factory);
        return valueOf(env, key);
      }
      // The holder released without a value, or died and its lease expired: SET NX lets exactly one waiter in.
      const acq = await this.lease.acquire(key, st.ks.coalescing.leaseTtlMs);
      if (acq !== L2_DOWN && acq.won) {
        st.m.lease.takeover.inc();
        this.logger.info('lease takeover', { key });
        return this.fillAsLeader(key, st, factory, stale, mode, flight, acq.token);
      }
    }
  }

  private waitTimedOut(key: string, st: KeyspaceState, stale: Envelope | null): unknown {
    st.m.lease.timeout.inc();
    if (stale !== null) {
      st.m.staleFallback.lease_wait_timeout.inc();
      return valueOf(stale, key);
    }
    throw new LeaseWaitTimeoutError(key, st.ks.coalescing.waitTimeoutMs);
  }

  /** Calls the origin, stores the result (fenced when a lease is held), or serves stale-if-error. */
  private async compute(
    key: string,
    st: KeyspaceState,
    factory: Factory<unknown>,
    stale: Envelope | null,
    mode: FillMode,
    flight: Flight | null,
    fence: Fence | null,
  ): Promise<unknown> {
    const started = this.clock.now();
    let result: unknown;
    try {
      result = await this.callOrigin(key, st, factory);
    } catch (err) {
      if (stale !== null && this.clock.now() - stale.e < st.ks.staleIfErrorMs) {
        st.m.staleFallback.origin_failed.inc();
        this.logger.warn('origin failed; serving stale within staleIfError', { key, err });
        return valueOf(stale, key);
      }
      throw err;
    }
    if (mode.reason !== null) st.m.refresh[mode.reason].inc();
    const now = this.clock.now();
    const made = this.envelope(st.ks, result, now, now - started, fence?.token ?? this.tokens.next());
    if (made === null) throw new NotFoundError(key);
    if (flight === null || !flight.superseded) await this.store(key, st, made, factory, fence);
    return valueOf(made.env, key);
  }

  private async callOrigin(key: string, st: KeyspaceState, factory: Factory<unknown>): Promise<unknown> {
    // Timed from admission by the guard: the origin's own latency, not our queue in front of
    // it (queueing shows as inflight at the limit; OriginLatencyHigh must mean a slow origin).
    let t0 = 0;
    let outcome: OriginOutcome = 'ok';
    try {
      // A call waits for a slot no longer than it may run: the caller's wait stays bounded.
      const v = await this.guard.run(() => {
        t0 = performance.now();
        this.metrics.setOriginInflight(this.guard.inflight);
        return callWithTimeout(key, st.ks.originTimeoutMs, factory);
      }, st.ks.originTimeoutMs);
      if (v === NOT_FOUND) outcome = 'not_found';
      return v;
    } catch (err) {
      outcome =
        err instanceof OriginRejectedError
          ? 'rejected'
          : err instanceof OriginTimeoutError
            ? 'timeout'
            : 'error';
      throw err instanceof HerdguardError ? err : new OriginError(key, err);
    } finally {
      this.metrics.originCall(outcome, t0 === 0 ? 0 : (performance.now() - t0) / 1000);
      this.metrics.setOriginInflight(this.guard.inflight);
    }
  }

  /** The envelope for an origin result; null for a not-found that is not cached (negativeTTL 0). */
  private envelope(
    ks: KeyspacePolicy,
    result: unknown,
    now: number,
    deltaMs: number,
    token: string,
  ): Made | null {
    const negative = result === NOT_FOUND;
    if (negative && ks.negativeTtlMs <= 0) return null;
    const life = lifetimes(ks, now, negative, this.random);
    const env: Envelope = negative
      ? { nf: 1, c: now, e: life.expiresAt, d: deltaMs, f: token }
      : { v: result, c: now, e: life.expiresAt, d: deltaMs, f: token };
    return { env, pttlMs: life.physicalTtlMs };
  }

  /** Writes L2 (fenced when `fence` is given) then L1; a rejected fenced write leaves both tiers to the newer writer. */
  private async store(
    key: string,
    st: KeyspaceState,
    made: Made,
    factory: Factory<unknown>,
    fence: Fence | null,
  ): Promise<void> {
    if (this.l2 !== null) {
      const r = await this.l2.write(key, made.env, made.pttlMs, this.copiesFor(key, st), fence?.token ?? '');
      if (r === 'written' && fence !== null) fence.written = true;
      if (r === 'rejected-superseded' || r === 'rejected-expired') {
        st.m.fencedRejected.inc();
        this.logger.warn('fenced write rejected: this leader no longer holds the lease', { key, reason: r });
        return;
      }
    }
    this.l1Set(key, st, made.env, factory);
  }

  // ---------------------------------------------------------------- write path

  async write<T>(key: string, writer: Factory<T>): Promise<T> {
    const st = this.stateFor(key);
    if (st === undefined) throw new NoKeyspaceError(key);
    // A read already in flight here may carry the old value: it must not land after ours.
    const running = this.inflight.get(key);
    if (running !== undefined) running.superseded = true;
    try {
      await this.l2?.whenReady(st.ks.coalescing.waitTimeoutMs);
      const token = await this.acquireForWrite(key, st);
      const fence: Fence | null = token === null ? null : { token, written: false };
      try {
        const started = this.clock.now();
        const result = await this.callOrigin(key, st, writer);
        const now = this.clock.now();
        const made = this.envelope(st.ks, result, now, now - started, token ?? this.tokens.next(true));
        if (made === null) throw new NotFoundError(key);
        await this.store(key, st, made, writer, fence);
        st.m.refresh.write.inc();
        return valueOf(made.env, key) as T;
      } finally {
        if (fence !== null && !fence.written) await this.lease?.release(key, fence.token);
      }
    } catch (err) {
      this.countError(st, err);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const st = this.stateFor(key);
    if (st === undefined) throw new NoKeyspaceError(key);
    const running = this.inflight.get(key);
    if (running !== undefined) running.superseded = true;
    st.l1.delete(key);
    if (this.l2 === null) return;
    await this.l2.whenReady(st.ks.coalescing.waitTimeoutMs);
    const token = await this.acquireForWrite(key, st);
    let removed = false;
    try {
      const r = await this.l2.remove(key, token ?? '', this.tokens.next(true));
      if (r === L2_DOWN) throw new L2UnavailableError(key, 'delete');
      removed = r === 'written';
      if (!removed) {
        // Our lease was taken over by a newer writer: its value replaces what we meant to remove.
        st.m.fencedRejected.inc();
        this.logger.warn('fenced delete rejected: a newer writer holds the lease', { key, reason: r });
      }
      // A fill that ran while we waited may have put a copy in our L1.
      st.l1.delete(key);
    } finally {
      if (token !== null && !removed) await this.lease?.release(key, token);
    }
  }

  /** The writer's lease: taken from a reader at once, waited for behind another writer; null without Redis. */
  private async acquireForWrite(key: string, st: KeyspaceState): Promise<string | null> {
    if (this.lease === null || !st.ks.coalescing.distributed) return null;
    const deadline = this.clock.now() + st.ks.coalescing.waitTimeoutMs;
    for (let backoff = 10; ; backoff = Math.min(backoff * 2, 250)) {
      const acq = await this.lease.acquireForWrite(key, st.ks.coalescing.leaseTtlMs);
      if (acq === L2_DOWN) return null;
      if (acq.won) return acq.token;
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw new LeaseWaitTimeoutError(key, st.ks.coalescing.waitTimeoutMs);
      await this.notifier.wait(key, Math.min(backoff, remaining, Math.max(1, acq.holderPttlMs)));
    }
  }

  // ---------------------------------------------------------------- background refresh

  private maybeRefreshEarly(
    key: string,
    st: KeyspaceState,
    env: Envelope,
    now: number,
    factory: Factory<unknown>,
  ): void {
    if (env.nf || !shouldRefreshEarly(now, env.e, env.d, st.ks.earlyRefreshBeta as number, this.random()))
      return;
    this.refreshInBackground(key, st, factory, 'early', env);
  }

  /** Schedules one refresh for `key`; a newer envelope found in Redis on the way makes it a no-op. */
  private refreshInBackground(
    key: string,
    st: KeyspaceState,
    factory: Factory<unknown>,
    reason: 'early' | 'stale' | 'revalidate',
    seen: Envelope,
    accept?: FillMode['accept'],
  ): boolean {
    // A key already queued is only counted (hot keys go first), with nothing allocated.
    if (this.closed || this.inflight.has(key) || this.background.sighted(key)) return false;
    const mode: FillMode = { reason, accept: accept ?? ((env, now) => now < env.e && env.c > seen.c) };
    const dueInMs = refreshDueInMs(reason, seen, this.clock.now(), st.ks.staleWhileRevalidateMs);
    return this.background.schedule(
      key,
      async () => {
        await this.coalesce(key, st, factory, null, mode);
      },
      dueInMs,
    );
  }

  private backgroundFailed(key: string, err: unknown): void {
    if (err instanceof NotFoundError) return;
    const st = this.stateFor(key);
    if (st) this.countError(st, err);
    this.logger.warn('background refresh failed; the cached value stays', { key, err });
  }

  revalidate(predicate: (key: string, writtenAtMs: number) => boolean = () => true): number {
    let scheduled = 0;
    const now = this.clock.now();
    for (const st of this.states.values()) {
      for (const [key, entry] of [...st.l1.entries()]) {
        // L1 expires lazily: an entry past its L1 expiry is never served again, so refreshing it
        // would only load the origin (after a promotion, thousands of them at once).
        if (entry.until <= now || entry.env.nf || !predicate(key, entry.env.c)) continue;
        const accept = (env: Envelope, now: number) => now < env.e && !predicate(key, env.c);
        if (this.refreshInBackground(key, st, entry.factory, 'revalidate', entry.env, accept)) scheduled++;
      }
    }
    return scheduled;
  }

  evictL1(predicate: (key: string, writtenAtMs: number) => boolean = () => true): number {
    let dropped = 0;
    for (const st of this.states.values()) {
      for (const [key, entry] of [...st.l1.entries()]) {
        if (!predicate(key, entry.env.c)) continue;
        st.l1.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  distrustWrittenBetween(fromMs: number, toMs: number): void {
    if (!(toMs > fromMs)) return;
    // A handful of promotions is plenty: older windows hold entries long expired.
    this.distrusted = [...this.distrusted, [fromMs, toMs] as const].slice(-MAX_DISTRUST_WINDOWS);
  }

  async warmup(
    keys: readonly string[],
    factory: Factory<unknown>,
    opts: WarmupOptions,
  ): Promise<{ warmed: number; failed: number }> {
    validateWarmupOptions(opts); // inside async: the caller gets a rejection, not a throw
    const mode: FillMode = { reason: 'warmup', accept: MISS.accept };
    return await runWarmup({
      keys,
      ratePerSecond: opts.ratePerSecond,
      batchSize: opts.batchSize,
      ...(opts.signal ? { signal: opts.signal } : {}),
      now: () => this.clock.now(),
      load: async (key) => {
        const st = this.stateFor(key);
        if (st === undefined) return false;
        try {
          await this.coalesce(key, st, factory, null, mode);
          st.m.warmupOk.inc();
          return true;
        } catch (err) {
          st.m.warmupFailed.inc();
          // A key the origin does not have is warmed (negatively) all the same.
          return err instanceof NotFoundError;
        }
      },
    });
  }

  // ---------------------------------------------------------------- hot keys

  private readCopy(key: string, st: KeyspaceState): number {
    const hk = st.ks.hotKeys;
    if (hk === null || hk.replicas <= 1 || st.hot === null || !st.hot.isHot(key)) return 0;
    return Math.floor(this.random() * hk.replicas);
  }

  private copiesFor(key: string, st: KeyspaceState): number {
    const hk = st.ks.hotKeys;
    return hk !== null && st.hot !== null && st.hot.isHot(key) ? hk.replicas : 1;
  }

  hotKeys(): readonly HotKey[] {
    const now = this.clock.now();
    const all: HotKeyStat[] = [];
    for (const st of this.states.values()) if (st.hot !== null) all.push(...st.hot.refresh(now));
    return all.sort((a, b) => b.ratePerSec - a.ratePerSec).slice(0, EXPORTED_HOT_KEYS);
  }

  // ---------------------------------------------------------------- L1 and policy

  private l1Set(key: string, st: KeyspaceState, env: Envelope, factory: Factory<unknown>): void {
    if (!st.l1.enabled) return;
    const now = this.clock.now();
    // Hot keys stay until their logical expiry: fills elsewhere evict them through pub/sub.
    const hot = st.hot !== null && st.hot.isHot(key);
    const until = hot ? env.e : Math.min(now + st.ks.l1.ttlMs, env.e);
    // Kept as long as Redis would serve it, for the fail-safe read; a negative entry is never served stale.
    const keepUntil = env.nf ? env.e : env.e + staleWindowMs(st.ks);
    if (until > now) st.l1.set(key, { env, until, keepUntil, factory });
  }

  /** Another instance filled `key`: drop our L1 copy unless it is that very value. */
  private filledElsewhere(key: string, token: string): void {
    const st = this.stateFor(key);
    if (st === undefined) return;
    const held = st.l1.tokenOf(key);
    if (held !== undefined && held !== token) st.l1.delete(key);
  }

  private stateFor(key: string): KeyspaceState | undefined {
    const ks = keyspaceFor(this.policyNow, key);
    return ks === undefined ? undefined : this.states.get(ks.prefix);
  }

  applyPolicy(policy: CachePolicy): void {
    const next = new Map<string, KeyspaceState>();
    for (const ks of policy.keyspaces) {
      const old = this.states.get(ks.prefix);
      const l1 =
        old === undefined
          ? new MemoryTier(ks.l1.maxEntries)
          : old.l1.maxEntries === ks.l1.maxEntries
            ? old.l1
            : old.l1.resized(ks.l1.maxEntries);
      const keepHot =
        old?.hot != null &&
        ks.hotKeys !== null &&
        old.hot.threshold === ks.hotKeys.threshold &&
        old.hot.windowMs === ks.hotKeys.windowMs;
      const hot =
        ks.hotKeys === null
          ? null
          : keepHot
            ? old?.hot
            : new HotKeyTracker(ks.hotKeys.threshold, ks.hotKeys.windowMs);
      next.set(ks.prefix, { ks, l1, hot, m: this.metrics.keyspace(ks.prefix) });
    }
    this.states = next;
    this.policyNow = policy;
    this.guard.setPolicy(policy.origin);
    this.background.setConcurrency(backgroundConcurrency(policy.origin));
    this.metrics.retain(new Set(next.keys()));
  }

  setRedis(redis: Redis): void {
    if (this.l2 === null) {
      this.l2 = new RedisTier(redis, fillChannel(this.opts.service));
      this.lease = new RedisLease(this.l2, this.tokens);
    } else {
      this.l2.setClient(redis);
      // A promoted replica holds copies of the leases we could not release on the old primary.
      this.releaseOrphans();
    }
    if (!this.closed) this.notifier.attach(redis);
  }

  private releaseOrphans(): void {
    const lease = this.lease;
    if (lease === null || lease.orphaned === 0 || this.closed) return;
    this.releasing = this.releasing.then(() => lease.releaseOrphans()).catch((err: unknown) => {
      this.logger.warn('could not release orphaned leases', { err });
    });
  }

  // ---------------------------------------------------------------- housekeeping

  private tick(): void {
    const now = this.clock.now();
    let entries = 0;
    for (const st of this.states.values()) {
      entries += st.l1.size;
      if (st.hot !== null) st.m.setHotKeys(st.hot.refresh(now));
    }
    this.metrics.setL1Entries(entries);
    this.releaseOrphans();
  }

  private circuitChanged(open: boolean): void {
    this.metrics.setCircuitOpen(open);
    this.logger.warn(open ? 'origin circuit opened' : 'origin circuit closed', {});
  }

  private countError(st: KeyspaceState, err: unknown): void {
    if (err instanceof NotFoundError) return;
    st.m.error(err instanceof HerdguardError ? err.code : 'E_UNKNOWN');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    this.notifier.detach();
    await this.background.close();
    await this.releasing;
  }
}
