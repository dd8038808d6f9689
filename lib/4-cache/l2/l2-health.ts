/**
 * A small breaker in front of Redis: after a few consecutive failures the cache stops
 * asking Redis for a while, so requests do not each wait on a dead server. One trial
 * request goes through after the cool-down; success closes the breaker.
 * The cool-down runs on a monotonic clock of its own, not the cache's logical clock: a
 * clock pinned to write entries "at one instant" (the aligned warm) must not freeze it.
 */
export interface L2HealthOptions {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
  readonly monotonicNow?: () => number;
}

export class L2Health {
  private failures = 0;
  private openUntil = 0;
  private trialInFlight = false;

  private readonly now: () => number;

  constructor(private readonly opts: L2HealthOptions = { failureThreshold: 3, coolDownMs: 1000 }) {
    this.now = opts.monotonicNow ?? (() => performance.now());
  }

  /** Whether a Redis command may be sent now. Claims the single trial slot when half-open:
   *  the caller must then report success() or failure(). */
  allow(): boolean {
    if (this.failures < this.opts.failureThreshold) return true;
    if (this.now() < this.openUntil || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
  }

  failure(): void {
    this.failures++;
    this.trialInFlight = false;
    if (this.failures >= this.opts.failureThreshold) this.openUntil = this.now() + this.opts.coolDownMs;
  }

  get open(): boolean {
    return this.failures >= this.opts.failureThreshold;
  }
}
