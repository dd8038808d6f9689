/**
 * Owner of background refreshes (SWR, XFetch, revalidation): at most one per key, at most
 * `maxPending` waiting, at most `concurrency` running. `close()` drops what has not started
 * and waits for what runs, so no refresh outlives the cache.
 *
 * Serving goes first (docs/adr/0012-paced-background-refresh.md). A refresh starts at once
 * while the machine has room: the event loop mostly idle, its timers on time (late timers
 * mean other processes hold the cores) and no origin caller queued at the guard. Otherwise
 * refreshes start only at the floor rate that still starts every waiting one before its
 * deadline, and a deadline that has passed starts them whatever the load. A key asked for
 * again and again while it waits is hot: it goes first, unpaced, since every read of it until
 * then costs a Redis round trip. The pacing timer runs only while refreshes wait.
 */
import { performance } from 'node:perf_hooks';

export type Task = () => Promise<void>;

export interface BackgroundQueueOptions {
  /** Most refreshes running at once (the cache keeps it at half the origin guard's concurrency). */
  readonly concurrency: number;
  readonly maxPending: number;
  readonly onError: (key: string, err: unknown) => void;
  /** True while foreground calls wait at the origin guard: they go first. */
  readonly originBusy?: () => boolean;
  /** Event-loop utilization (0..1) since the previous call; default from perf_hooks. */
  readonly utilization?: () => number;
  /** Monotonic ms; default performance.now (never the cache's logical clock, which tests pin). */
  readonly monotonicNow?: () => number;
  /** How often the pace is judged while refreshes wait, ms. */
  readonly tickMs?: number;
}

const TICK_MS = 20;
/** Busy: the loop worked more than this share of the last tick… */
const BUSY_UTILIZATION = 0.5;
/** …or the tick fired this late (ms): the process waited for a core. */
const BUSY_LATENESS_MS = 5;
/** Once busy, busy for this long (ms): a pause inside a burst must not release a wave. */
const BUSY_HOLD_MS = 100;
/** Sightings while waiting that make a key hot. */
const HOT_AFTER = 3;
/** The floor never drops below this (per second), so the last few refreshes do not trickle. */
const MIN_FLOOR_PER_SEC = 20;

interface Waiting {
  readonly task: Task;
  sightings: number;
}

/** Starts per second that start `pending` refreshes by `dueAt` (ms), at least `min`; Infinity once it has passed. */
export function floorRatePerSec(pending: number, dueAt: number, now: number, min = MIN_FLOOR_PER_SEC): number {
  if (pending <= 0) return 0;
  return dueAt <= now ? Infinity : Math.max(min, (pending * 1000) / (dueAt - now));
}

/** Event-loop utilization since the previous call. */
export function loopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return u;
  };
}

export class BackgroundQueue {
  /** Hot keys first, then the rest in arrival order. */
  private readonly hot = new Map<string, Task>();
  private readonly pending = new Map<string, Waiting>();
  private readonly running = new Map<string, Promise<void>>();
  private closed = false;
  private concurrency: number;
  private readonly originBusy: () => boolean;
  private readonly utilization: () => number;
  private readonly now: () => number;
  private readonly tickMs: number;
  /** Busy (paced) until then, monotonic ms. */
  private busyUntil = -Infinity;
  /** Pacing state, reset whenever nothing waits. */
  private tokens = 0;
  /** Earliest deadline among refreshes queued since the queue was last empty (conservative). */
  private dueAt = Infinity;
  private lastTick = 0;
  private ticker: NodeJS.Timeout | null = null;

  constructor(private readonly opts: BackgroundQueueOptions) {
    this.concurrency = checkConcurrency(opts.concurrency);
    this.originBusy = opts.originBusy ?? (() => false);
    this.utilization = opts.utilization ?? loopUtilization();
    this.now = opts.monotonicNow ?? (() => performance.now());
    this.tickMs = opts.tickMs ?? TICK_MS;
  }

  /** Follows the origin guard's concurrency (policy change); running refreshes are not stopped. */
  setConcurrency(n: number): void {
    this.concurrency = checkConcurrency(n);
    this.pump();
  }

  /**
   * True when `key` already waits or runs; a waiting key seen often enough becomes hot.
   * Callers ask this first, so a stale read of a key already queued allocates nothing.
   */
  sighted(key: string): boolean {
    const w = this.pending.get(key);
    if (w === undefined) return this.hot.has(key) || this.running.has(key);
    if (++w.sightings >= HOT_AFTER) {
      this.pending.delete(key);
      this.hot.set(key, w.task);
      this.pump();
    }
    return true;
  }

  /**
   * Schedules `task` for `key` unless one is already waiting or running; false when refused.
   * `dueInMs`: how long it may wait behind serving (0: never held back).
   */
  schedule(key: string, task: Task, dueInMs = 0): boolean {
    if (this.closed || this.has(key) || this.waiting >= this.opts.maxPending) return false;
    this.pending.set(key, { task, sightings: 1 });
    this.dueAt = Math.min(this.dueAt, this.now() + Math.max(0, dueInMs));
    this.pump();
    return true;
  }

  has(key: string): boolean {
    return this.pending.has(key) || this.hot.has(key) || this.running.has(key);
  }

  get size(): number {
    return this.waiting + this.running.size;
  }

  get waiting(): number {
    return this.pending.size + this.hot.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    this.hot.clear();
    this.stopTicker();
    await Promise.all(this.running.values());
  }

  /** Resolves when nothing is running (tests and warmup use it). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private pump(): void {
    while (this.running.size < this.concurrency) {
      const next = this.hot.size > 0 ? this.take(this.hot, (t) => t) : this.mayStart() ? this.takePending() : null;
      if (next === null) break;
      this.start(next[0], next[1]);
    }
    if (this.waiting === 0) this.settle();
    else this.startTicker();
  }

  /** Serving first: free rein while the machine has room, else the floor rate, else the deadline. */
  private mayStart(): boolean {
    if (this.pending.size === 0) return false;
    const now = this.now();
    if (now >= this.busyUntil && !this.originBusy()) return true;
    if (now >= this.dueAt) return true;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  private takePending(): [string, Task] | null {
    return this.take(this.pending, (w) => w.task);
  }

  private take<V>(from: Map<string, V>, task: (v: V) => Task): [string, Task] | null {
    const first = from.entries().next();
    if (first.done === true) return null;
    const [key, v] = first.value;
    from.delete(key);
    return [key, task(v)];
  }

  private start(key: string, task: Task): void {
    const run = task()
      .catch((err: unknown) => this.opts.onError(key, err))
      .finally(() => {
        this.running.delete(key);
        if (!this.closed) this.pump();
      });
    this.running.set(key, run);
  }

  private tick(): void {
    const now = this.now();
    const dt = now - this.lastTick;
    this.lastTick = now;
    if (this.utilization() > BUSY_UTILIZATION || dt - this.tickMs > BUSY_LATENESS_MS) this.busyUntil = now + BUSY_HOLD_MS;
    const rate = floorRatePerSec(this.pending.size, this.dueAt, now);
    // Tokens beyond one round of the concurrency would only start a burst later.
    this.tokens = Math.min(this.tokens + (rate * dt) / 1000, this.concurrency);
    this.pump();
  }

  private startTicker(): void {
    if (this.ticker !== null || this.closed) return;
    this.lastTick = this.now();
    this.utilization(); // a fresh window: the time the queue sat empty says nothing
    this.ticker = setInterval(() => this.tick(), this.tickMs);
    this.ticker.unref();
  }

  /** Nothing waits: stop judging the pace (the last busy verdict still holds for its while). */
  private settle(): void {
    this.stopTicker();
    this.tokens = 0;
    this.dueAt = Infinity;
  }

  private stopTicker(): void {
    if (this.ticker === null) return;
    clearInterval(this.ticker);
    this.ticker = null;
  }
}

function checkConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected concurrency to be an integer ≥ 1, got ${n}`);
  return n;
}
