/**
 * The L2 driver on Redis: envelopes (RedisTier), the lease (RedisLease) and fill
 * announcements (FillSubscriber) over one caller-owned ioredis client, which a promotion
 * may swap (`setClient`). The fencing rule is the Lua of lease/scripts.ts.
 */
import type { RedisClient } from './redis-client.js';
import type { Logger } from '../../1-ground/log.js';
import type { Envelope } from '../cache/envelope.js';
import { FillSubscriber } from '../lease/fill-subscriber.js';
import { RedisLease } from '../lease/redis-lease.js';
import type { Acquired, FenceResult, FillListener, L2Down, L2Driver } from './driver.js';
import { RedisTier } from './redis-tier.js';

export class RedisDriver implements L2Driver {
  readonly tier: RedisTier;
  private readonly lease: RedisLease;
  private subscriber: FillSubscriber | null = null;

  constructor(
    redis: RedisClient,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    this.tier = new RedisTier(redis, channel);
    this.lease = new RedisLease(this.tier);
  }

  /** Moves to another client (a promoted primary): the breaker starts closed, the subscription follows. */
  setClient(redis: RedisClient): void {
    this.tier.setClient(redis);
    this.subscriber?.attach(redis);
  }

  read(key: string, copy: number): Promise<Envelope | null | L2Down> {
    return this.tier.read(key, copy);
  }

  whenReady(timeoutMs: number): Promise<boolean> {
    return this.tier.whenReady(timeoutMs);
  }

  write(key: string, env: Envelope, pttlMs: number, copies: number, token: string): Promise<FenceResult> {
    return this.tier.write(key, env, pttlMs, copies, token);
  }

  remove(key: string, token: string, notice: string): Promise<FenceResult> {
    return this.tier.remove(key, token, notice);
  }

  acquire(key: string, token: string, ttlMs: number): Promise<Acquired | L2Down> {
    return this.lease.acquire(key, token, ttlMs, false);
  }

  acquireForWriter(key: string, token: string, ttlMs: number): Promise<Acquired | L2Down> {
    return this.lease.acquire(key, token, ttlMs, true);
  }

  release(key: string, token: string): Promise<boolean | L2Down> {
    return this.lease.release(key, token);
  }

  get breakerOpen(): boolean {
    return this.tier.breakers.open;
  }

  listen(listener: FillListener): void {
    this.subscriber?.detach();
    this.subscriber = new FillSubscriber(this.channel, listener, this.logger);
    this.subscriber.attach(this.tier.client);
  }

  close(): void {
    this.subscriber?.detach();
    this.subscriber = null;
  }
}
