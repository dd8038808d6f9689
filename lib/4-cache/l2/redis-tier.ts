/**
 * L2: envelopes in Redis. An L2 hit is exactly one GET. Every command goes through the
 * health breaker; when Redis is down or not ready the tier answers L2_DOWN at once.
 * On a Redis Cluster the names follow the cluster layout (layout.ts): the fenced script
 * touches one slot, and the hot-key copies, in other slots, are written beside it.
 */
import { Cluster } from 'ioredis';
import { encodeEnvelope, type Envelope } from '../cache/envelope.js';
import { MAX_REPLICAS } from '../lease/keys.js';
import { REMOVE, runScript, WRITE } from '../lease/scripts.js';
import { L2_DOWN, type FenceResult, type L2Down } from './driver.js';
import { Breakers, type Breaker } from './breakers.js';
import { CLUSTER_LAYOUT, slotOf, STANDALONE_LAYOUT, type KeyLayout } from './layout.js';
import type { RedisClient } from './redis-client.js';

/** ioredis states in which the client is on its way to `ready`. */
const CONNECTING = new Set(['wait', 'connecting', 'connect', 'reconnecting']);
const DOWN: Promise<L2Down> = Promise.resolve(L2_DOWN);

/**
 * NOREPLICAS: the primary is fenced (min-replicas-to-write, docs/adr/0006-redis-fencing.md).
 * Redis answered, so it is not a failure of Redis: reads go on, the write is skipped. The
 * reply's first word is the protocol's error code.
 */
export const isNoReplicasReply = (err: unknown): boolean => err instanceof Error && err.message.startsWith('NOREPLICAS');

/** Keys remembered after a fenced primary refused their write: at most this many (the rest expire by their ttl). */
export const MAX_REFUSED_KEYS = 10_000;
const DEL_BATCH = 500;

export class RedisTier {
  /** One breaker, or one per cluster node (breakers.ts). */
  readonly breakers: Breakers;
  /**
   * Keys (with their hot-key copies) whose write a fenced primary refused: Redis may still
   * hold an older value than the origin. Deleted once a write goes through again.
   */
  private refused = new Map<string, number>();
  /** The client being waited for and when it became ready (see whenReady). */
  private connecting: { readonly client: RedisClient; readonly ready: Promise<true> } | null = null;
  /** Names of a logical key's value, copies, lease and epoch, by the client's kind. */
  layout: KeyLayout;

  constructor(
    private redis: RedisClient,
    private readonly channel: string,
  ) {
    this.layout = layoutOf(redis);
    this.breakers = new Breakers(nodeOf(redis));
  }

  get client(): RedisClient {
    return this.redis;
  }

  setClient(redis: RedisClient): void {
    this.redis = redis;
    this.layout = layoutOf(redis);
    this.breakers.reset(nodeOf(redis)); // a new primary deserves a fresh chance
  }

  /**
   * Waits (at most `timeoutMs`) for a client that is still connecting. Reads skip a Redis
   * that is not ready at once, but a write must not: skipping it would leave the old value
   * in Redis behind an updated origin (seed 001). False when it did not become ready.
   */
  async whenReady(timeoutMs: number): Promise<boolean> {
    const r = this.redis;
    if (r.status === 'ready') return true;
    if (!CONNECTING.has(r.status)) return false;
    // One 'ready' listener per client, however many writes wait (a burst of writes at start-up
    // would otherwise add one each); each waiter only adds its own timer.
    if (this.connecting?.client !== r) {
      this.connecting = { client: r, ready: new Promise<true>((resolve) => r.once('ready', () => resolve(true))) };
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.connecting.ready, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Reports a failed command to the breaker, except a fenced primary's NOREPLICAS: that
   * node answers reads, and opening the breaker would send them to the origin.
   */
  report(err: unknown, b: Breaker): void {
    if (isNoReplicasReply(err)) b.health.success();
    else b.health.failure();
  }

  /**
   * The breaker of the node serving `name` when a command on it may be sent now (cheap: no
   * I/O), else null. A half-open breaker hands out its one trial here: the caller reports.
   */
  admit(name: string): Breaker | null {
    if (this.redis.status !== 'ready') return null;
    const b = this.breakers.for(name);
    return b.health.allow() ? b : null;
  }

  /**
   * The hit path's read: one GET, no async frame of its own (one `then`); L2_DOWN when Redis
   * is unusable or the GET failed, so the caller can fall back to its L1 copy (fail-safe).
   */
  read(key: string, copy: number): Promise<Envelope | null | L2Down> {
    const name = this.layout.copy(key, copy);
    const b = this.admit(name);
    if (b === null) return DOWN;
    return this.redis.get(name).then(b.onText, b.onError);
  }

  /**
   * Writes the envelope to the key and its `copies - 1` replicas, fenced by `token` when given,
   * releases the lease and announces the fill, all in one atomic script.
   */
  async write(
    key: string,
    env: Envelope,
    pttlMs: number,
    copies: number,
    token: string,
  ): Promise<FenceResult> {
    const l = this.layout;
    const b = this.admit(l.copy(key, 0));
    if (b === null) return L2_DOWN;
    const cluster = l.mode === 'cluster';
    const payload = encodeEnvelope(env);
    const pttl = Math.max(1, Math.round(pttlMs));
    try {
      const r = await runScript(
        this.redis,
        WRITE,
        [l.lease(key), l.copy(key, 0), l.epoch(key)],
        // On a cluster the script writes the one slot it may touch; copies and the announcement follow.
        [token, payload, pttl, cluster ? 1 : copies, cluster ? '' : this.channel, `${env.f} ${key}`],
      );
      b.health.success();
      if (cluster && r === 1) await this.afterClusterWrite(key, `${env.f} ${key}`, copies, payload, pttl);
      if (this.refused.size > 0) await this.dropRefused();
      return fenceResult(r);
    } catch (err) {
      // A fenced primary's NOREPLICAS is a degraded write: the caller keeps the value in L1 only.
      this.report(err, b);
      if (isNoReplicasReply(err) && (this.refused.size < MAX_REFUSED_KEYS || this.refused.has(key))) this.refused.set(key, copies);
      return L2_DOWN;
    }
  }

  /** Removes `key` (fenced when `token` is not ''); `notice` is the token peers compare their L1 copy with. */
  async remove(key: string, token: string, notice: string): Promise<FenceResult> {
    const l = this.layout;
    const b = this.admit(l.copy(key, 0));
    if (b === null) return L2_DOWN;
    const cluster = l.mode === 'cluster';
    try {
      const r = await runScript(this.redis, REMOVE, [l.lease(key), l.copy(key, 0), l.epoch(key)], [token, cluster ? '' : this.channel, `${notice} ${key}`]);
      b.health.success();
      if (cluster && r === 1) await this.afterClusterWrite(key, `${notice} ${key}`, 1, null, 0);
      return fenceResult(r);
    } catch (err) {
      this.report(err, b);
      return L2_DOWN;
    }
  }

  /**
   * A cluster write's second half, after the fenced script wrote the key: the hot-key copies
   * (`payload`; null removes them all) and copies beyond `copies` dropped, each in its own
   * slot, then the sharded announcement. A failure here leaves at most a copy that expires
   * with its ttl, or a waiter that polls: the write itself went through. It opens no breaker:
   * the copies live on other nodes than the key's.
   */
  private async afterClusterWrite(key: string, message: string, copies: number, payload: string | null, pttl: number): Promise<void> {
    const c = this.redis as Cluster;
    const sets: Array<Promise<unknown>> = [];
    for (let i = 1; i < copies && payload !== null; i++) sets.push(c.set(this.layout.copy(key, i), payload, 'PX', pttl));
    try {
      await Promise.all([...sets, c.spublish(this.channel, message)]);
      // Copies beyond the count are contiguous, as in the standalone script: stop at the first gap.
      for (let i = Math.max(1, copies); i < MAX_REPLICAS; i++) if ((await c.del(this.layout.copy(key, i))) === 0) break;
    } catch {
      // best effort (above)
    }
  }

  /** Keys still to delete because a fenced primary refused their write. */
  get refusedKeys(): number {
    return this.refused.size;
  }

  /**
   * Writes are accepted again (the fence lifted, or this is a new primary that may hold the
   * same old copies): delete what was left behind, so the next read fills from the origin
   * instead of serving the value from before the refused write.
   */
  private async dropRefused(): Promise<void> {
    const all = [...this.refused];
    this.refused = new Map();
    for (let i = 0; i < all.length; i += DEL_BATCH) {
      const batch = all.slice(i, i + DEL_BATCH);
      const names = batch.flatMap(([key, copies]) => Array.from({ length: Math.max(1, copies) }, (_, c) => this.layout.copy(key, c)));
      try {
        // A cluster refuses a DEL across slots: one per name there.
        if (this.layout.mode === 'cluster') await Promise.all(names.map((n) => this.redis.del(n)));
        else await this.redis.del(...names);
      } catch {
        for (const [key, copies] of all.slice(i)) this.refused.set(key, copies); // retried on the next write
        return;
      }
    }
  }
}

/** On a cluster, the node (host:port) ioredis sends a name's slot to; its slot table follows a failover. */
function nodeOf(redis: RedisClient): ((name: string) => string) | null {
  if (!(redis instanceof Cluster)) return null;
  return (name) => redis.slots[slotOf(name)]?.[0] ?? '';
}

function layoutOf(redis: RedisClient): KeyLayout {
  return redis instanceof Cluster ? CLUSTER_LAYOUT : STANDALONE_LAYOUT;
}

/** The scripts' replies: 1 written, -1 another holder, -2 no holder, -3 a token from before the node's epoch. */
function fenceResult(reply: unknown): FenceResult {
  if (reply === 1) return 'written';
  return reply === -2 ? 'rejected-expired' : 'rejected-superseded';
}
