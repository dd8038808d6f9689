/**
 * The distributed lease on Redis: one holder per key across the fleet, identified by a token
 * that fences its value write (docs/adr/0001-lease-and-fencing.md). The scripts stamp a won
 * token with the node's failover epoch. Shares the tier's breaker: a lease command that fails
 * counts as a Redis failure like any other.
 */
import type { Acquired, L2Down } from '../l2/driver.js';
import { L2_DOWN } from '../l2/driver.js';
import type { RedisTier } from '../l2/redis-tier.js';
import { ACQUIRE, ACQUIRE_WRITER, RELEASE, runScript } from './scripts.js';
import { WRITER_TOKEN_PREFIX } from './tokens.js';

export class RedisLease {
  constructor(private readonly tier: RedisTier) {}

  async acquire(key: string, token: string, ttlMs: number, writer: boolean): Promise<Acquired | L2Down> {
    const b = this.tier.admit(this.tier.layout.lease(key));
    if (b === null) return L2_DOWN;
    try {
      const [won, pttl, mine] = (await runScript(
        this.tier.client,
        writer ? ACQUIRE_WRITER : ACQUIRE,
        [this.tier.layout.lease(key), this.tier.layout.epoch(key)],
        writer ? [token, ttlMs, WRITER_TOKEN_PREFIX] : [token, ttlMs],
      )) as [number, number, string?];
      b.health.success();
      return won === 1 ? { won: true, token: mine ?? token } : { won: false, holderPttlMs: pttl };
    } catch (err) {
      // NOREPLICAS (a fenced primary) is a degraded write: no lease, the fill goes on without one.
      this.tier.report(err, b); // NOREPLICAS counts as an answer
      return L2_DOWN;
    }
  }

  /** Compare-and-delete: a lease someone else holds now is left alone. */
  async release(key: string, token: string): Promise<boolean | L2Down> {
    const b = this.tier.admit(this.tier.layout.lease(key));
    if (b === null) return L2_DOWN;
    try {
      const deleted = await runScript(this.tier.client, RELEASE, [this.tier.layout.lease(key)], [token]);
      b.health.success(); // also ends a half-open trial that admit() handed us
      return deleted === 1;
    } catch (err) {
      this.tier.report(err, b);
      return L2_DOWN;
    }
  }
}
