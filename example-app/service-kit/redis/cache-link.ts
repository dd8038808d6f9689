/**
 * Keeps a cache on the connection manager's primary, and safe across a promotion: the Redis
 * entries of the suspect window are distrusted as soon as the promotion is known (served
 * once, refreshed from the origin), and once the new primary is in use the L1 copies are
 * dropped (fill notifications may have died with the old primary; the next read of each
 * asks the new one, no origin call). ADR 0004.
 */
import { silentLogger, type Logger } from '../../../lib/1-ground/log.js';
import type { Cache } from '../../../lib/4-cache/cache/types.js';
import type { RedisConnectionManager } from './connection.js';

/** What following a promotion needs of a cache. */
export type FollowingCache = Pick<Cache, 'setRedis' | 'evictL1' | 'distrustWrittenBetween'>;

/** Moves `cache` to the manager's client now and after every switch; returns the unlink. */
export function followWithCache(manager: RedisConnectionManager, cache: FollowingCache, logger: Logger = silentLogger): () => void {
  cache.setRedis(manager.client);
  const offSwitch = manager.onSwitch((s) => cache.setRedis(s.client));
  const offPromotion = manager.onPromotion((p) => {
    if (p.stage === 'learned') return cache.distrustWrittenBetween(p.window[0], p.window[1]);
    const dropped = cache.evictL1();
    logger.info('after a promotion: L1 copies dropped', { l1: dropped, epoch: p.epoch });
  });
  return () => {
    offSwitch();
    offPromotion();
  };
}
