/**
 * Quotes shared across pods through Redis pub/sub: one channel per symbol, one
 * subscriber connection per process, at most one handler per symbol (the loop). Messages
 * from the channel are validated like any other input.
 *
 * The bus follows the current primary: publishes go to the current client, and after a
 * switch the subscriber connection is replaced by one on the new primary, subscribed to
 * every channel with a handler before the old one is dropped (a quote seen on both is
 * delivered once: loops ignore a quote not newer than their last).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../../lib/1-ground/log.js';
import type { FollowedRedis } from '../redis-primary.js';
import { toQuote, type Quote } from '../quote.js';
import { toEvent } from './loop.js';
import type { QuoteBus, QuoteEvent } from './types.js';

export const quoteChannel = (symbol: string) => `herdguard:feed:quote:${symbol}`;
const PREFIX = quoteChannel('');

export class RedisQuoteBus implements QuoteBus {
  private readonly handlers = new Map<string, (e: QuoteEvent) => void>();
  /** A dedicated connection: in subscriber mode it cannot run other commands. */
  private sub: Redis;
  /** Subscriber connections on a former primary, kept until the new one confirmed its subscriptions. */
  private readonly retiring = new Map<Redis, Promise<void>>();
  private readonly stopFollowing: () => void;
  private closed = false;
  /** Subscriber moves done (tests and logs). */
  moves = 0;

  constructor(
    private readonly redis: FollowedRedis,
    private readonly logger: Logger,
  ) {
    this.sub = this.openSubscriber();
    this.stopFollowing = redis.onSwitch(() => this.moveSubscriber());
  }

  /** Stops following switches and closes every subscriber connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopFollowing();
    this.handlers.clear();
    for (const c of [this.sub, ...this.retiring.keys()]) c.disconnect();
    await Promise.all(this.retiring.values());
  }

  private openSubscriber(): Redis {
    const sub = this.redis.openSubscriber();
    sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    return sub;
  }

  /**
   * A new primary: subscribe there to every channel with a handler, in the same turn as the
   * swap (so later subscribe/unsubscribe calls queue behind it on the new connection), and
   * drop the old connection once the new subscriptions are confirmed.
   */
  private moveSubscriber(): void {
    if (this.closed) return;
    const old = this.sub;
    this.sub = this.openSubscriber();
    this.moves += 1;
    const channels = [...this.handlers.keys()].map(quoteChannel);
    const confirmed = channels.length > 0 ? this.sub.subscribe(...channels).then(() => undefined) : Promise.resolve();
    const retired = confirmed
      .catch((err: unknown) => this.logger.warn('resubscribe on the new primary failed', { channels: channels.length, err }))
      .finally(() => {
        old.disconnect();
        this.retiring.delete(old);
      });
    this.retiring.set(old, retired);
    this.logger.info('feed bus moved to the new primary', { channels: channels.length });
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
    await this.redis.client.publish(quoteChannel(quote.symbol), JSON.stringify(quote));
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
