/**
 * L2: envelopes in Redis. An L2 hit is exactly one GET. Every command goes through the
 * health breaker; when Redis is down or not ready the tier answers L2_DOWN at once.
 */
import type { Redis } from 'ioredis';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../cache/envelope.js';
import { EPOCH_KEY, leaseKey, replicaKey } from '../lease/keys.js';
import { REMOVE, runScript, WRITE } from '../lease/scripts.js';
import { L2_DOWN, type FenceResult, type L2Down } from './driver.js';
import { L2Health } from './l2-health.js';

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
  readonly health = new L2Health();
  /**
   * Keys (with their hot-key copies) whose write a fenced primary refused: Redis may still
   * hold an older value than the origin. Deleted once a write goes through again.
   */
  private refused = new Map<string, number>();
  /** The client being waited for and when it became ready (see whenReady). */
  private connecting: { readonly client: Redis; readonly ready: Promise<true> } | null = null;

  constructor(
    private redis: Redis,
    private readonly channel: string,
  ) {}

  get client(): Redis {
    return this.redis;
  }

  setClient(redis: Redis): void {
    this.redis = redis;
    this.health.success(); // a new primary deserves a fresh chance
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
  report(err: unknown): void {
    if (isNoReplicasReply(err)) this.health.success();
    else this.health.failure();
  }

  /** Whether L2 may be used for this request (cheap: no I/O). */
  usable(): boolean {
    return this.redis.status === 'ready' && this.health.allow();
  }

  /**
   * The hit path's read: one GET, no async frame of its own (one `then`); L2_DOWN when Redis
   * is unusable or the GET failed, so the caller can fall back to its L1 copy (fail-safe).
   */
  read(key: string, copy: number): Promise<Envelope | null | L2Down> {
    if (!this.usable()) return DOWN;
    return this.redis.get(copy === 0 ? key : replicaKey(key, copy)).then(this.onText, this.onError);
  }

  private readonly onText = (text: string | null): Envelope | null => {
    this.health.success();
    return text === null ? null : decodeEnvelope(text);
  };

  private readonly onError = (): L2Down => {
    this.health.failure();
    return L2_DOWN;
  };

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
    if (!this.usable()) return L2_DOWN;
    try {
      const r = await runScript(
        this.redis,
        WRITE,
        [leaseKey(key), key, EPOCH_KEY],
        [
          token,
          encodeEnvelope(env),
          Math.max(1, Math.round(pttlMs)),
          copies,
          this.channel,
          `${env.f} ${key}`,
        ],
      );
      this.health.success();
      if (this.refused.size > 0) await this.dropRefused();
      return fenceResult(r);
    } catch (err) {
      // A fenced primary's NOREPLICAS is a degraded write: the caller keeps the value in L1 only.
      this.report(err);
      if (isNoReplicasReply(err) && (this.refused.size < MAX_REFUSED_KEYS || this.refused.has(key))) this.refused.set(key, copies);
      return L2_DOWN;
    }
  }

  /** Removes `key` (fenced when `token` is not ''); `notice` is the token peers compare their L1 copy with. */
  async remove(key: string, token: string, notice: string): Promise<FenceResult> {
    if (!this.usable()) return L2_DOWN;
    try {
      const r = await runScript(this.redis, REMOVE, [leaseKey(key), key, EPOCH_KEY], [token, this.channel, `${notice} ${key}`]);
      this.health.success();
      return fenceResult(r);
    } catch (err) {
      this.report(err);
      return L2_DOWN;
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
      const names = batch.flatMap(([key, copies]) => Array.from({ length: Math.max(1, copies) }, (_, c) => replicaKey(key, c)));
      try {
        await this.redis.del(...names);
      } catch {
        for (const [key, copies] of all.slice(i)) this.refused.set(key, copies); // retried on the next write
        return;
      }
    }
  }
}

/** The scripts' replies: 1 written, -1 another holder, -2 no holder, -3 a token from before the node's epoch. */
function fenceResult(reply: unknown): FenceResult {
  if (reply === 1) return 'written';
  return reply === -2 ? 'rejected-expired' : 'rejected-superseded';
}
