/**
 * Wakes local lease waiters when any instance fills a key: one duplicated subscriber
 * connection and one channel per service. Polling in the waiter covers lost messages and a
 * dead subscriber, so pub/sub only shortens waits, it is never needed for correctness.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../1-ground/log.js';

type Wake = () => void;
export type FillListener = (key: string, token: string) => void;

export class FillNotifier {
  private subscriber: Redis | null = null;
  private readonly waiters = new Map<string, Set<Wake>>();

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

  detach(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  /** Resolves when `key` is filled somewhere or after `ms`, whichever comes first. Never rejects. */
  wait(key: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const wake: Wake = () => {
        clearTimeout(timer);
        const s = this.waiters.get(key);
        s?.delete(wake);
        if (s?.size === 0) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }

  /** Message format: "<token> <key>" (the key may contain spaces, the token does not). */
  private deliver(msg: string): void {
    const space = msg.indexOf(' ');
    if (space < 0) return;
    const token = msg.slice(0, space);
    const key = msg.slice(space + 1);
    this.onFill(key, token);
    const set = this.waiters.get(key);
    if (set) for (const wake of [...set]) wake();
  }

  get pendingWaiters(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }
}
