/**
 * Where GET /quotes and the feed pollers read a quote. `herdguard` is the protected
 * path through the cache library; `naive` is the seed-000 baseline (GET, miss, fetch,
 * SET with one fixed TTL, no coalescing), kept only so benchmarks and the demo can show
 * the herd it causes side by side with the fix.
 */
import { NotFoundError } from '../../lib/1-ground/errors.js';
import { toQuote, type Quote } from './quote.js';
import type { RedisHandle } from './redis-primary.js';
import { UPSTREAM_NOT_FOUND, type Upstream } from './upstream.js';

export interface QuoteStore {
  /** The quote; NotFoundError for a symbol the upstream does not know; upstream errors otherwise. */
  get(symbol: string, signal?: AbortSignal): Promise<Quote>;
}

export const quoteKey = (symbol: string) => `quote:${symbol}`;

export class NaiveQuoteStore implements QuoteStore {
  constructor(
    /** The current primary, read per call. */
    private readonly redis: RedisHandle,
    private readonly upstream: Upstream,
    private readonly ttlMs: number,
  ) {}

  async get(symbol: string, signal?: AbortSignal): Promise<Quote> {
    const key = quoteKey(symbol);
    const cached = await this.redis.client.get(key);
    const hit = cached === null ? undefined : toQuote(JSON.parse(cached));
    if (hit) return hit;
    const q = await this.upstream.fetchQuote(symbol, signal);
    if (q === UPSTREAM_NOT_FOUND) throw new NotFoundError(key);
    await this.redis.client.set(key, JSON.stringify(q), 'PX', this.ttlMs);
    return q;
  }
}
