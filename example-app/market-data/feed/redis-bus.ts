/**
 * Quotes shared across pods through Redis pub/sub: one channel per symbol, one
 * subscriber connection per process, at most one handler per symbol (the loop). Messages
 * from the channel are validated like any other input.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../cache/log.js';
import { toQuote, type Quote } from '../quote.js';
import { toEvent } from './loop.js';
import type { QuoteBus, QuoteEvent } from './types.js';

export const quoteChannel = (symbol: string) => `herdguard:feed:quote:${symbol}`;
const PREFIX = quoteChannel('');

export class RedisQuoteBus implements QuoteBus {
  private readonly handlers = new Map<string, (e: QuoteEvent) => void>();

  constructor(
    private readonly pub: Redis,
    /** A dedicated connection: in subscriber mode it cannot run other commands. */
    private readonly sub: Redis,
    private readonly logger: Logger,
  ) {
    sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
  }

  subscribe(symbol: string, onQuote: (e: QuoteEvent) => void): () => void {
    this.handlers.set(symbol, onQuote);
    // Commands on one connection run in order, so subscribe/unsubscribe/subscribe ends subscribed.
    this.sub.subscribe(quoteChannel(symbol)).catch((err: unknown) => this.logger.warn('subscribe failed', { symbol, err }));
    return () => {
      if (this.handlers.get(symbol) !== onQuote) return;
      this.handlers.delete(symbol);
      this.sub.unsubscribe(quoteChannel(symbol)).catch((err: unknown) => this.logger.warn('unsubscribe failed', { symbol, err }));
    };
  }

  async publish(quote: Quote): Promise<void> {
    await this.pub.publish(quoteChannel(quote.symbol), JSON.stringify(quote));
  }

  private onMessage(channel: string, message: string): void {
    if (!channel.startsWith(PREFIX)) return;
    const symbol = channel.slice(PREFIX.length);
    const h = this.handlers.get(symbol);
    if (!h) return;
    let q: Quote | undefined;
    try {
      q = toQuote(JSON.parse(message));
    } catch {
      q = undefined;
    }
    if (!q || q.symbol !== symbol) {
      this.logger.debug('dropped a malformed quote message', { symbol });
      return;
    }
    h(toEvent(q));
  }
}
