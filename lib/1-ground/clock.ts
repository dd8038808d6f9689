/** Time comes in through this, so the queue, backoff and leader election run on a fake clock in tests. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Calls fn after ms; the timer does not keep the process alive. */
  after(ms: number, fn: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** Resolves after ms on the given clock, or at once when the signal aborts. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with full jitter; randomness injected. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly baseMs = 200,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }
  reset(): void {
    this.attempt = 0;
  }
}
