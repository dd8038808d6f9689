/** The protected quote path: every read goes through the herdguard cache, keyed `quote:<SYMBOL>`. */
import { NOT_FOUND, type Cache } from '../../lib/4-cache/index.js';
import type { Quote } from './quote.js';
import { quoteKey, type QuoteStore } from './quote-store.js';
import { UPSTREAM_NOT_FOUND, type Upstream } from './upstream.js';

export class HerdguardQuoteStore implements QuoteStore {
  constructor(
    private readonly cache: Cache,
    private readonly upstream: Upstream,
  ) {}

  get(symbol: string): Promise<Quote> {
    // The cache owns the origin call's deadline and signal; a caller's signal would let one
    // impatient reader abort a fetch that other pods and readers are waiting on.
    return this.cache.get<Quote>(quoteKey(symbol), async ({ signal }) => {
      const q = await this.upstream.fetchQuote(symbol, signal);
      return q === UPSTREAM_NOT_FOUND ? NOT_FOUND : q;
    });
  }
}
