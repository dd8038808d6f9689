/**
 * The cache an application uses: getOrSet, set, delete, hotKeys, close. It wraps the full
 * cache (cache/types.ts) without changing what it does; the hooks that follow a promoted
 * Redis (setRedis, distrustWrittenBetween, evictL1, revalidate) stay off this interface and
 * live in the `herdguard/failover` entry point.
 */
import type { RedisClient } from '../l2/redis-client.js';
import { InvalidOptionError } from '../../1-ground/errors.js';
import { silentLogger } from '../../1-ground/log.js';
import type { CachePolicy } from '../../3-policy/types.js';
import { createCache as createFullCache } from '../index.js';
import { createRedisClient } from '../l2/redis-client.js';
import type { Cache as FullCache, Factory, HotKey } from '../cache/types.js';
import { NOT_FOUND } from '../cache/not-found.js';
import type { CacheOptions, GetOrSetOptions } from './options.js';
import { policyFromOptions } from './to-policy.js';

export interface Cache {
  /**
   * The cached value of `key`, or the factory's, called once for every caller and process
   * asking at the same time. A factory returning NOT_FOUND makes it reject with NotFoundError
   * (E_NOT_FOUND), cached for the keyspace's negativeTTL.
   */
  getOrSet<T>(key: string, factory: Factory<T>, options?: GetOrSetOptions): Promise<T>;
  /** Stores `value` (JSON-serializable) in Redis and L1; other processes drop their L1 copies. */
  set<T>(key: string, value: T): Promise<void>;
  /** Removes `key` from Redis and every process's L1; rejects with L2UnavailableError when Redis is unreachable. */
  delete(key: string): Promise<void>;
  /** Keys read above their keyspace's hotKeys.threshold, hottest first. */
  hotKeys(): readonly HotKey[];
  /** Stops background work; closes the Redis client if the cache opened it from a URL. */
  close(): Promise<void>;
}

/** A cache built from a CachePolicy object: the everyday interface plus live policy updates. */
export interface PolicyCache extends Cache {
  readonly policy: CachePolicy;
  /** Applies a new policy in place (L1 and hot-key state are kept where the keyspace stays). */
  applyPolicy(policy: CachePolicy): void;
}

export type PolicyCacheOptions = Omit<CacheOptions, 'keyspaces' | 'origin'> & {
  /** From parsePolicySpec() or parsePolicyDocument() (or a policy source's update). */
  readonly policy: CachePolicy;
};

const REDIS = 'an ioredis client, a redis:// or rediss:// URL, or null (no Redis: L1 only)';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The client to use, and whether the cache opened it (then it closes it). */
function redisFrom(v: unknown, logger: CacheOptions['logger']): { client: RedisClient | null; owned: boolean } {
  if (v === null) return { client: null, owned: false };
  if (typeof v === 'string') {
    const scheme = URL.canParse(v) ? new URL(v).protocol : '';
    if (scheme !== 'redis:' && scheme !== 'rediss:') throw new InvalidOptionError('options.redis', REDIS, v);
    const client = createRedisClient(v);
    // ioredis reports every failed reconnect; the cache already falls back to L1 and the origin.
    client.on('error', (err: Error) => (logger ?? silentLogger).debug('redis connection error', { err }));
    return { client, owned: true };
  }
  if (isObj(v) && ['get', 'evalsha', 'duplicate'].every((m) => typeof v[m] === 'function')) return { client: v as unknown as RedisClient, owned: false };
  throw new InvalidOptionError('options.redis', REDIS, isObj(v) ? '<object without ioredis methods>' : v);
}

function checkKnown(options: object, known: readonly string[]): void {
  for (const [name, value] of Object.entries(options)) {
    if (!known.includes(name)) throw new InvalidOptionError(`options.${name}`, `absent (the options are ${known.join(', ')})`, value);
  }
}

/** Races a call with the caller's signal; the call itself is never abandoned half-way. */
function abortable<T>(run: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return run();
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  const call = run();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void call.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A new client is still connecting, and the cache skips a Redis that is not ready (it fails
 * fast by design): the first operations would all miss L2. So they wait for the connection,
 * for at most this long, or until its first error (Redis down: go on without it at once).
 */
const FIRST_CONNECTION_WAIT_MS = 1000;

function firstConnection(client: RedisClient | null): Promise<void> | null {
  if (client === null || ['ready', 'wait', 'end', 'close'].includes(client.status)) return null;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, FIRST_CONNECTION_WAIT_MS);
    client.once('ready', done);
    client.once('error', done);
  });
}

async function quit(client: RedisClient): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect(); // already closed, or no connection to say goodbye on
  }
}

function everyday(full: FullCache, client: RedisClient | null, owned: boolean): Cache {
  let closing: Promise<void> | undefined;
  let connecting = firstConnection(client);
  void connecting?.then(() => (connecting = null));
  // Once connected (or given up on), calls go straight to the cache: the hit path gains no await.
  const whenConnected = <T>(run: () => Promise<T>): Promise<T> => (connecting === null ? run() : connecting.then(run));
  const getOrSet = <T>(key: string, factory: Factory<T>, o?: GetOrSetOptions): Promise<T> => {
    const signal = o?.signal;
    // Aborted while the connection was awaited: no fill starts for a caller who left.
    const read = (): Promise<T> => (signal?.aborted ? Promise.reject(signal.reason as Error) : full.get<T>(key, factory));
    return abortable(() => whenConnected(read), signal);
  };
  return {
    getOrSet,
    set: async <T>(key: string, value: T) => {
      // NOT_FOUND is a factory's answer, not a value: delete(key) forgets a key.
      if ((value as unknown) === NOT_FOUND) throw new InvalidOptionError('value', 'a JSON-serializable value (delete(key) removes a key)', '<NOT_FOUND>');
      await whenConnected(() => full.write(key, () => Promise.resolve(value)));
    },
    delete: (key) => whenConnected(() => full.delete(key)),
    hotKeys: () => full.hotKeys(),
    close: () =>
      (closing ??= (async () => {
        await full.close();
        if (owned && client !== null) await quit(client);
      })()),
  };
}

function open(options: PolicyCacheOptions): Cache & { readonly full: FullCache } {
  const { client, owned } = redisFrom(options.redis, options.logger);
  try {
    const full = createFullCache({
      service: options.service ?? 'herdguard',
      redis: client,
      policy: options.policy,
      ...(options.originName === undefined ? {} : { originName: options.originName }),
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    return { ...everyday(full, client, owned), full };
  } catch (err) {
    if (owned) client?.disconnect(); // a bad service, registry or logger: do not leave a connection behind
    throw err;
  }
}

/**
 * A stampede-proof cache configured in code: L1 in process, Redis as L2 (or none). Throws
 * InvalidOptionError naming the first bad option, what it accepts and what it got.
 */
export function createCache(options: CacheOptions): Cache {
  if (!isObj(options)) throw new InvalidOptionError('options', 'an object such as { redis, keyspaces }', options);
  checkKnown(options, ['redis', 'keyspaces', 'origin', 'service', 'originName', 'registry', 'logger']);
  const { full: _full, ...cache } = open({ ...options, policy: policyFromOptions(options) });
  return cache;
}

/** A cache from a CachePolicy (parsed from a CRD spec or a policy file), whose policy can change live. */
export function createCacheFromPolicy(options: PolicyCacheOptions): PolicyCache {
  if (!isObj(options)) throw new InvalidOptionError('options', 'an object such as { redis, policy }', options);
  checkKnown(options, ['redis', 'policy', 'service', 'originName', 'registry', 'logger']);
  const { full, ...cache } = open(options);
  return {
    ...cache,
    get policy() {
      return full.policy;
    },
    applyPolicy: (policy) => full.applyPolicy(policy),
  };
}
