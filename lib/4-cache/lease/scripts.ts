/**
 * Lua scripts: Redis runs each atomically, so "check the holder, then write" cannot be
 * interleaved with another pod's lease acquisition. They are the fencing rule: the L2 driver
 * contract (l2/driver-contract.test-helpers.ts) runs them on a real Redis.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../l2/redis-client.js';
import { MAX_REPLICAS, REPLICA_INFIX } from './keys.js';
import { EPOCH_SEPARATOR } from './tokens.js';

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

const script = (source: string): LuaScript => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

/**
 * Lua helpers shared by the scripts: the failover epoch of the node (EPOCH_KEY, raised by
 * the operator atomically with a promotion) and the epoch a token was stamped with
 * (`<token>@<epoch>`; none = 0). A holder stamped before the node's current epoch is a
 * copy left by a promotion: it counts as no holder, and its write is refused.
 */
const EPOCHS = `
local function node_epoch(k) return tonumber(redis.call('GET', k) or '0') or 0 end
local function token_epoch(t) return tonumber(string.match(t, '${EPOCH_SEPARATOR}(%d+)$') or '0') or 0 end
`;

/**
 * KEYS[1]=lease, KEYS[2]=epoch; ARGV: token, ttlMs. The token is stamped with the node's
 * epoch. Returns {1, ttl, stamped token} when won, else {0, remaining pttl of the holder}.
 */
export const ACQUIRE = script(`${EPOCHS}
local epoch = node_epoch(KEYS[2])
local holder = redis.call('GET', KEYS[1])
if holder and token_epoch(holder) >= epoch then return {0, redis.call('PTTL', KEYS[1])} end
local mine = ARGV[1] .. '${EPOCH_SEPARATOR}' .. epoch
redis.call('SET', KEYS[1], mine, 'PX', ARGV[2])
return {1, tonumber(ARGV[2]), mine}
`);

/**
 * Writer acquisition (KEYS as ACQUIRE): takes the lease from a reader (its value is about
 * to be outdated, and taking the lease fences its write) but never from another writer of
 * this epoch (prefix ARGV[3]).
 */
export const ACQUIRE_WRITER = script(`${EPOCHS}
local epoch = node_epoch(KEYS[2])
local holder = redis.call('GET', KEYS[1])
if holder and token_epoch(holder) >= epoch and string.sub(holder, 1, string.len(ARGV[3])) == ARGV[3] then
  return {0, redis.call('PTTL', KEYS[1])}
end
local mine = ARGV[1] .. '${EPOCH_SEPARATOR}' .. epoch
redis.call('SET', KEYS[1], mine, 'PX', ARGV[2])
return {1, tonumber(ARGV[2]), mine}
`);

/** KEYS[1]=lease; ARGV: token. Deletes the lease only if we still hold it. */
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * The fence of WRITE and REMOVE (KEYS[1]=lease, KEYS[3]=epoch, ARGV[1]=token, '' = unfenced):
 * returns -3 for a token stamped before the node's epoch, -1 when another holds the lease,
 * -2 when nobody does; falls through when the token holds it.
 */
const FENCED = `
if ARGV[1] ~= '' then
  if token_epoch(ARGV[1]) < node_epoch(KEYS[3]) then return -3 end
  local holder = redis.call('GET', KEYS[1])
  if holder ~= ARGV[1] then
    if holder then return -1 end
    return -2
  end
end
`;

/**
 * KEYS[1]=lease, KEYS[2]=value key, KEYS[3]=epoch; ARGV: token ('' = unfenced), payload, pttl, copies, channel ('' = the
 * caller announces: on a cluster, by sharded pub/sub), message.
 * Returns 1 written, -1 superseded (another holder), -2 expired (no holder), -3 stamped
 * before the node's epoch (a promotion happened since; the holder may be a stale copy).
 * Copies 1..n-1 are the hot-key replicas; stale replicas beyond n are removed (contiguous, so stop at the first gap).
 */
export const WRITE = script(`${EPOCHS}${FENCED}redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
local n = tonumber(ARGV[4])
for i = 1, ${MAX_REPLICAS - 1} do
  local rk = KEYS[2] .. '${REPLICA_INFIX}' .. i
  if i < n then redis.call('SET', rk, ARGV[2], 'PX', ARGV[3])
  elseif redis.call('DEL', rk) == 0 then break end
end
if ARGV[1] ~= '' then redis.call('DEL', KEYS[1]) end
if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], ARGV[6]) end
return 1
`);

/**
 * KEYS as WRITE; ARGV: token ('' = unfenced), channel, message. Removes the value and its
 * hot-key replicas under the same fencing rule as WRITE, then tells the other instances
 * (the message's token matches no L1 copy, so each drops its own). Returns as WRITE.
 */
export const REMOVE = script(`${EPOCHS}${FENCED}redis.call('DEL', KEYS[2])
for i = 1, ${MAX_REPLICAS - 1} do
  if redis.call('DEL', KEYS[2] .. '${REPLICA_INFIX}' .. i) == 0 then break end
end
if ARGV[1] ~= '' then redis.call('DEL', KEYS[1]) end
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
`);

function isNoScript(err: unknown): boolean {
  return err instanceof Error && (err as { message: string }).message.startsWith('NOSCRIPT');
}

/** EVALSHA, falling back to EVAL once when the server does not know the script (restart, promotion). */
export async function runScript(
  redis: RedisClient,
  s: LuaScript,
  keys: string[],
  args: Array<string | number>,
): Promise<unknown> {
  try {
    return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return redis.eval(s.source, keys.length, ...keys, ...args);
  }
}
