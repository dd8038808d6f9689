/**
 * One symbol's feed loop in one process (seed 002). It owns an AbortController and its
 * run promise (the tracked handle). It listens to the symbol's shared channel and, while
 * it holds the fleet-wide poller lease, polls the quote store and publishes new quotes.
 * It stops — and releases the lease — when its owner says so or when a fan-out finds no
 * receiver left: it never keeps sleeping and sending into the void.
 */
import type { Logger } from '../../../lib/1-ground/log.js';
import type { Quote } from '../quote.js';
import type { QuoteStore } from '../quote-store.js';
import { sleepOn, type Clock } from '../../../lib/1-ground/clock.js';
import type { PollerLease, QuoteBus, QuoteEvent, Receiver, StopReason } from './types.js';

export interface FeedLoopDeps {
  readonly clock: Clock;
  readonly bus: QuoteBus;
  readonly lease: PollerLease;
  readonly quotes: QuoteStore;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export const toEvent = (quote: Quote): QuoteEvent => ({ quote, json: JSON.stringify({ type: 'quote', ...quote }) });

export class FeedLoop {
  private readonly receivers = new Set<Receiver>();
  private readonly ac = new AbortController();
  private unsubscribeBus: (() => void) | undefined;
  private last: QuoteEvent | undefined;
  private lastPublishedTs = -Infinity;
  private reason: StopReason | undefined;
  private handle: Promise<void> = Promise.resolve();

  constructor(
    readonly symbol: string,
    /** Unique per loop instance, so a stopped loop can never release its successor's lease. */
    readonly token: string,
    private readonly deps: FeedLoopDeps,
    private readonly onStopped: (loop: FeedLoop, reason: StopReason) => void,
    private readonly onQuote: (quote: Quote) => void = () => undefined,
  ) {}

  get receiverCount(): number {
    return this.receivers.size;
  }

  get stopReason(): StopReason | undefined {
    return this.reason;
  }

  /** The run promise; settles once the loop has fully stopped and released its lease. */
  get done(): Promise<void> {
    return this.handle;
  }

  start(): void {
    this.unsubscribeBus = this.deps.bus.subscribe(this.symbol, (e) => this.fanOut(e));
    this.handle = this.run();
  }

  add(r: Receiver): void {
    this.receivers.add(r);
    // A late joiner gets the latest quote at once instead of waiting for the next change.
    if (this.last && !r.deliver(this.last)) this.receivers.delete(r);
  }

  /** Removes a receiver; the owner stops the loop when none is left. */
  remove(r: Receiver): void {
    this.receivers.delete(r);
  }

  stop(reason: StopReason): Promise<void> {
    if (this.reason) return this.handle;
    this.reason = reason;
    this.ac.abort();
    this.unsubscribeBus?.();
    this.unsubscribeBus = undefined;
    this.receivers.clear();
    this.onStopped(this, reason);
    return this.handle;
  }

  private fanOut(e: QuoteEvent): void {
    if (this.reason || (this.last && e.quote.ts <= this.last.quote.ts)) return;
    this.last = e;
    this.onQuote(e.quote);
    for (const r of this.receivers) {
      if (!r.deliver(e)) this.receivers.delete(r);
    }
    // The seed-002 bug was to log "no receivers" here and keep looping.
    if (this.receivers.size === 0) void this.stop('no_receivers');
  }

  private async run(): Promise<void> {
    const { signal } = this.ac;
    try {
      while (!signal.aborted) {
        try {
          await this.tick(signal);
        } catch (err) {
          if (!signal.aborted) this.deps.logger.debug('feed tick failed', { symbol: this.symbol, err });
        }
        await sleepOn(this.deps.clock, this.deps.intervalMs, signal);
      }
    } finally {
      await this.deps.lease.release(this.symbol, this.token).catch((err: unknown) => {
        this.deps.logger.warn('poller lease release failed; it expires on its own', { symbol: this.symbol, err });
      });
    }
  }

  private async tick(signal: AbortSignal): Promise<void> {
    const leader = await this.deps.lease.hold(this.symbol, this.token);
    if (signal.aborted || (!leader && this.last)) return;
    const q = await this.deps.quotes.get(this.symbol, signal);
    if (signal.aborted) return;
    if (!leader) {
      // First quote for a fresh loop on a pod that does not poll: read it locally.
      this.fanOut(toEvent(q));
      return;
    }
    if (q.ts > this.lastPublishedTs) {
      this.lastPublishedTs = q.ts;
      await this.deps.bus.publish(q);
    }
  }
}
