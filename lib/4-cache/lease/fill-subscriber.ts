/**
 * Hears fill announcements on Redis: one duplicated subscriber connection and one channel
 * per service (`<token> <key>`, published by the write and remove scripts). On a Redis
 * Cluster the channel is a sharded one (SSUBSCRIBE; the tier SPUBLISHes after the write),
 * so an announcement goes to one shard instead of over the whole cluster bus. Losing
 * messages (reconnecting, a promotion, a shard failover) only lengthens waits to the
 * polling interval.
 */
import { Cluster } from 'ioredis';
import type { Logger } from '../../1-ground/log.js';
import type { FillListener } from '../l2/driver.js';
import type { RedisClient } from '../l2/redis-client.js';

export class FillSubscriber {
  private subscriber: RedisClient | null = null;

  constructor(
    private readonly channel: string,
    private readonly onFill: FillListener,
    private readonly logger: Logger,
  ) {}

  /** (Re)subscribes through a duplicate of `redis`; the previous subscriber is closed. */
  attach(redis: RedisClient): void {
    this.detach();
    const cluster = redis instanceof Cluster;
    const sub = cluster
      ? redis.duplicate(undefined, { enableOfflineQueue: true, lazyConnect: false, shardedSubscribers: true })
      : redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    sub.on('error', (err) =>
      this.logger.debug('fill subscriber error; waiters fall back to polling', { err }),
    );
    const failed = (err: unknown) => this.logger.warn('fill subscribe failed', { err });
    if (cluster) {
      sub.on('smessage', (_ch: string, msg: string) => this.deliver(msg));
      sub.ssubscribe(this.channel).catch(failed);
    } else {
      sub.on('message', (_ch: string, msg: string) => this.deliver(msg));
      sub.subscribe(this.channel).catch(failed);
    }
    this.subscriber = sub;
  }

  /** Nothing is delivered after this: messages already on the wire (disconnect only half-closes) are dropped. */
  detach(): void {
    this.subscriber?.removeAllListeners('message');
    this.subscriber?.removeAllListeners('smessage');
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  /** The key may contain spaces, the token does not. */
  private deliver(msg: string): void {
    const space = msg.indexOf(' ');
    if (space > 0) this.onFill(msg.slice(space + 1), msg.slice(0, space));
  }
}
