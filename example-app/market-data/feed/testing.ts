/**
 * Pure fakes for the feed-loop unit tests: an in-memory bus and lease, and a quote source
 * (the clock is testkit's FakeClock). Integration tests use the Redis-backed ones instead.
 */
import type { Quote } from '../quote.js';
import type { QuoteStore } from '../quote-store.js';
import type { Clock } from '../../../lib/1-ground/clock.js';
import { toEvent } from './loop.js';
import type { PollerLease, QuoteBus, QuoteEvent } from './types.js';

/** Lets every already-queued promise continuation run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

export class MemoryBus implements QuoteBus {
  readonly handlers = new Map<string, (e: QuoteEvent) => void>();
  published = 0;

  subscribe(symbol: string, onQuote: (e: QuoteEvent) => void): () => void {
    if (this.handlers.has(symbol)) throw new Error(`second subscription to ${symbol} in one process`);
    this.handlers.set(symbol, onQuote);
    return () => {
      if (this.handlers.get(symbol) === onQuote) this.handlers.delete(symbol);
    };
  }

  publish(quote: Quote): Promise<void> {
    this.published += 1;
    const h = this.handlers.get(quote.symbol);
    if (h) queueMicrotask(() => h(toEvent(quote)));
    return Promise.resolve();
  }
}

export class MemoryLease implements PollerLease {
  readonly holders = new Map<string, string>();

  hold(symbol: string, token: string): Promise<boolean> {
    const h = this.holders.get(symbol);
    if (h === undefined) this.holders.set(symbol, token);
    return Promise.resolve(h === undefined || h === token);
  }

  release(symbol: string, token: string): Promise<void> {
    if (this.holders.get(symbol) === token) this.holders.delete(symbol);
    return Promise.resolve();
  }
}

export class CountingQuotes implements QuoteStore {
  calls = 0;
  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  get(symbol: string): Promise<Quote> {
    this.calls += 1;
    return Promise.resolve({ symbol, price: 100, bid: 99.99, ask: 100.01, ts: this.clock.now() + 1, seq: this.calls });
  }
}
