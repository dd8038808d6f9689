/** The parts a feed loop is built from; each is a real Redis-backed object in the service and a small fake in unit tests. */
import type { Quote } from '../quote.js';

/** A quote ready to send: serialized once per fan-out, not once per receiver. */
export interface QuoteEvent {
  readonly quote: Quote;
  readonly json: string;
}

/** One subscriber of a symbol (a WebSocket connection, usually). */
export interface Receiver {
  /** False when this receiver can no longer take messages (closed, failed): the loop drops it. */
  deliver(event: QuoteEvent): boolean;
}

/** Quotes shared across pods: every pod with subscribers listens, the poller publishes. */
export interface QuoteBus {
  /** At most one handler per symbol per process (the loop); returns the unsubscribe. */
  subscribe(symbol: string, onQuote: (event: QuoteEvent) => void): () => void;
  publish(quote: Quote): Promise<void>;
}

/** The fleet-wide poller lease: at most one holder per symbol. */
export interface PollerLease {
  /** Takes or renews the lease for `token`; true while it is ours. */
  hold(symbol: string, token: string): Promise<boolean>;
  /** Gives it up if still ours (compare-and-delete), so another pod can take over at once. */
  release(symbol: string, token: string): Promise<void>;
}

export type StopReason = 'last_unsubscribe' | 'no_receivers' | 'shutdown';
