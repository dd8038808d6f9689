/**
 * A small breaker in front of Redis: after a few consecutive failures the cache stops
 * asking Redis for a while, so requests do not each wait on a dead server. One trial
 * request goes through after the cool-down; success closes the breaker.
 */
export interface L2HealthOptions {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
}

export class L2Health {
  private failures = 0;
  private openUntil = 0;
  private trialInFlight = false;

  constructor(private readonly opts: L2HealthOptions = { failureThreshold: 3, coolDownMs: 1000 }) {}

  /** Whether a Redis command may be sent now. Claims the single trial slot when half-open. */
  allow(now: number): boolean {
    if (this.failures < this.opts.failureThreshold) return true;
    if (now < this.openUntil || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
  }

  failure(now: number): void {
    this.failures++;
    this.trialInFlight = false;
    if (this.failures >= this.opts.failureThreshold) this.openUntil = now + this.opts.coolDownMs;
  }

  get open(): boolean {
    return this.failures >= this.opts.failureThreshold;
  }
}
