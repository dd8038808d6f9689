/**
 * Protects the origin itself: at most `maxConcurrency` calls at once, at most `maxQueue`
 * waiting, each for at most the wait its caller allows, and a circuit breaker that opens
 * after `failureThreshold` consecutive failures and lets one trial call through after
 * `resetAfterMs`. Refusals are typed; only the bounded queue wait is not immediate.
 */
import { OriginRejectedError } from '../../1-ground/errors.js';
import type { OriginPolicy } from '../../3-policy/types.js';

type BreakerState = 'closed' | 'open' | 'half-open';

export class OriginGuard {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private failures = 0;
  private openedAt = 0;
  private state: BreakerState = 'closed';

  constructor(
    private policy: OriginPolicy,
    private readonly origin: string,
    private readonly now: () => number,
    private readonly onCircuit: (open: boolean) => void = () => undefined,
  ) {}

  setPolicy(policy: OriginPolicy): void {
    this.policy = policy;
    this.drain();
  }

  get inflight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queue.length;
  }

  get circuit(): BreakerState {
    return this.state;
  }

  /**
   * Runs `fn` under the guard. A call that finds every slot taken waits at most `maxWaitMs`
   * for one, then is refused (queue_timeout): an origin slower than its callers' demand
   * must not grow a queue whose wait no deadline bounds (postgres-slow measured 13 s).
   */
  async run<T>(fn: () => Promise<T>, maxWaitMs = Infinity): Promise<T> {
    this.admit();
    await this.slot(maxWaitMs);
    try {
      const v = await fn();
      this.succeeded();
      return v;
    } catch (err) {
      this.failed();
      throw err;
    } finally {
      this.active--;
      this.drain();
    }
  }

  /** Throws OriginRejectedError when the breaker or the queue refuses the call. */
  private admit(): void {
    if (this.state === 'open') {
      const retryAfterMs = this.openedAt + this.policy.resetAfterMs - this.now();
      if (retryAfterMs > 0) throw new OriginRejectedError(this.origin, 'circuit_open', retryAfterMs);
      this.state = 'half-open'; // this caller is the trial
      return;
    }
    if (this.state === 'half-open')
      throw new OriginRejectedError(this.origin, 'circuit_open', this.policy.resetAfterMs);
    if (this.active >= this.policy.maxConcurrency && this.queue.length >= this.policy.maxQueue) {
      throw new OriginRejectedError(this.origin, 'queue_full', 50);
    }
  }

  private slot(maxWaitMs: number): Promise<void> {
    if (this.active < this.policy.maxConcurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const expire = () => {
        // drain() removes a waiter before granting it, so one still queued has no slot yet.
        const i = this.queue.indexOf(granted);
        if (i === -1) return;
        this.queue.splice(i, 1);
        reject(new OriginRejectedError(this.origin, 'queue_timeout', maxWaitMs));
      };
      const timer = Number.isFinite(maxWaitMs) ? setTimeout(expire, maxWaitMs) : undefined;
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      this.queue.push(granted);
    });
  }

  private drain(): void {
    while (this.active < this.policy.maxConcurrency && this.queue.length > 0) {
      this.active++;
      (this.queue.shift() as () => void)();
    }
  }

  private succeeded(): void {
    this.failures = 0;
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.onCircuit(false);
    }
  }

  private failed(): void {
    this.failures++;
    if (this.state === 'half-open' || this.failures >= this.policy.failureThreshold) {
      if (this.state !== 'open') this.onCircuit(true);
      this.state = 'open';
      this.openedAt = this.now();
    }
  }
}
