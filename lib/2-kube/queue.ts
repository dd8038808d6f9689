/**
 * De-duplicating work queue (the client-go model): a key is queued at most once, and a key
 * being processed is never handed to a second worker; if it changes meanwhile it is marked
 * dirty and re-queued when the first worker calls done(). Failures re-queue with per-key
 * exponential backoff, bounded overall by a token bucket.
 */
import { systemClock, type Clock, type Timer } from '../1-ground/clock.js';

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay of a failing key; doubles per failure up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Global retry rate limit: tokens per second and burst. */
  qps?: number;
  burst?: number;
  onDepth?: (depth: number) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: Timer }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private closed = false;
  private tokens: number;
  private tokensAt: number;
  private readonly clock: Clock;
  private readonly o: Required<Omit<WorkQueueOptions, 'clock' | 'onDepth'>>;

  constructor(private readonly opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.o = {
      baseDelayMs: opts.baseDelayMs ?? 5,
      maxDelayMs: opts.maxDelayMs ?? 300_000,
      qps: opts.qps ?? 10,
      burst: opts.burst ?? 100,
    };
    for (const [k, v] of Object.entries(this.o)) {
      if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`expected WorkQueue ${k} to be a positive number, got ${v}`);
    }
    this.tokens = this.o.burst;
    this.tokensAt = this.clock.now();
  }

  get depth(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.closed || this.queued.has(key)) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.queue.push(key);
    this.opts.onDepth?.(this.queue.length);
  }

  /** Adds key after ms; a key already waiting keeps the earlier of the two deadlines. */
  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.timer.cancel();
    const timer = this.clock.after(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, timer });
  }

  /** Re-queues a failed key after its backoff (or later, if the global budget is spent). */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const perItem = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(n - 1, 40));
    const delay = Math.max(perItem, this.takeToken());
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears a key's failure history (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      this.opts.onDepth?.(this.queue.length);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.closed = true;
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Delay until the global bucket has a token; takes it (possibly on credit). */
  private takeToken(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.o.burst, this.tokens + ((now - this.tokensAt) / 1000) * this.o.qps);
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.o.qps) * 1000);
  }
}
