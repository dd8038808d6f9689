/**
 * A token bucket over all symbols: the vendor's global request budget. Tokens refill
 * continuously at `ratePerSec`; a request that finds no token is refused with the time
 * until the next one, which becomes the 429's Retry-After.
 */
import { InvalidOptionError } from '../../lib/1-ground/errors.js';

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** When refused: milliseconds until a token is available. */
  readonly retryAfterMs: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    if (!(Number.isFinite(ratePerSec) && ratePerSec > 0)) {
      throw new InvalidOptionError('ratePerSec', 'a positive finite number', ratePerSec);
    }
    if (!(Number.isInteger(burst) && burst >= 1)) throw new InvalidOptionError('burst', 'an integer >= 1', burst);
    this.tokens = burst;
    this.last = now();
  }

  take(): RateLimitDecision {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000) };
  }
}
