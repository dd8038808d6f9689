/**
 * Hears fill announcements on Redis: one duplicated subscriber connection and one channel
 * per service (`<token> <key>`, published by the write and remove scripts). Losing messages
 * (reconnecting, a promotion) only lengthens waits to the polling interval.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../1-ground/log.js';
import type { FillListener } from '../l2/driver.js';

export class FillSubscriber {
  private subscriber: Redis | null = null;

  constructor(
    private readonly channel: string,
    private readonly onFill: FillListener,
    private readonly logger: Logger,
  ) {}

  /** (Re)subscribes through a duplicate of `redis`; the previous subscriber is closed. */
  attach(redis: Redis): void {
    this.detach();
    const sub = redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    sub.on('error', (err) =>
      this.logger.debug('fill subscriber error; waiters fall back to polling', { err }),
    );
    sub.on('message', (_ch: string, msg: string) => this.deliver(msg));
    sub.subscribe(this.channel).catch((err: unknown) => this.logger.warn('fill subscribe failed', { err }));
    this.subscriber = sub;
  }

  /** Nothing is delivered after this: messages already on the wire (disconnect only half-closes) are dropped. */
  detach(): void {
    this.subscriber?.removeAllListeners('message');
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  /** The key may contain spaces, the token does not. */
  private deliver(msg: string): void {
    const space = msg.indexOf(' ');
    if (space > 0) this.onFill(msg.slice(space + 1), msg.slice(0, space));
  }
}
