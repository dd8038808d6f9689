/**
 * The fleet-wide poller lease: one key per symbol holding the holder's token with a TTL.
 * Take-or-renew and compare-and-release are single Lua scripts, so a pod whose lease
 * expired and was taken by another can neither renew nor delete the new holder's lease.
 * Every call goes to the current primary: after a promotion the next tick renews the
 * lease there (a replicated copy keeps its holder; a lost one is taken by the first pod).
 */
import type { RedisHandle } from '../redis-primary.js';
import type { PollerLease } from './types.js';

export const leaseKey = (symbol: string) => `herdguard:feed:poller:${symbol}`;

const HOLD = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisPollerLease implements PollerLease {
  constructor(
    private readonly redis: RedisHandle,
    /** Long enough to survive a slow tick, short enough that a dead pod's symbols move on quickly. */
    private readonly ttlMs: number,
  ) {}

  async hold(symbol: string, token: string): Promise<boolean> {
    return (await this.redis.client.eval(HOLD, 1, leaseKey(symbol), token, String(this.ttlMs))) === 1;
  }

  async release(symbol: string, token: string): Promise<void> {
    await this.redis.client.eval(RELEASE, 1, leaseKey(symbol), token);
  }
}
