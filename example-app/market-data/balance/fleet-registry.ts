/**
 * Each pod's WebSocket connection count in one Redis hash per service, stamped with an
 * expiry taken from Redis's own clock: a pod that stops reporting (crashed, partitioned)
 * drops out of the fleet after `ttlMs`. Report-and-read is one Lua script, so a pod always
 * compares itself with a consistent snapshot. The hash holds one field per live pod.
 * Every call goes to the current primary: after a promotion the next round reports there.
 */
import type { RedisHandle } from '../redis-primary.js';

export const fleetKey = (service: string) => `herdguard:ws:fleet:${service}`;

const REPORT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. (now + ttl))
redis.call('PEXPIRE', KEYS[1], ttl)
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  local c, exp = string.match(all[i + 1], '^(%d+):(%d+)$')
  if c == nil or tonumber(exp) < now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    out[#out + 1] = all[i]
    out[#out + 1] = c
  end
end
return out`;

export class FleetRegistry {
  constructor(
    private readonly redis: RedisHandle,
    private readonly service: string,
    private readonly ttlMs: number,
  ) {}

  /** Reports `count` for `pod`; returns every live pod's count (including ours). */
  async report(pod: string, count: number): Promise<Map<string, number>> {
    const flat = (await this.redis.client.eval(REPORT, 1, fleetKey(this.service), pod, String(count), String(this.ttlMs))) as string[];
    const out = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i] as string, Number(flat[i + 1]));
    return out;
  }

  /** Leaves the fleet at once (graceful shutdown), instead of after the expiry. */
  async leave(pod: string): Promise<void> {
    await this.redis.client.hdel(fleetKey(this.service), pod);
  }
}
