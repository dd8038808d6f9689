/**
 * The services' Redis connection manager: one client, always on the current primary. It
 * follows `rendered.redis.primary` from the live policy at once (the operator moves it on
 * promotion), and on a READONLY reply (we are talking to a demoted node) it asks that node
 * for its primary, reconnects and retries the command once.
 *
 * Whatever holds a client subscribes instead of being told by name: every switch is an
 * event (the cache, a pub/sub bus move to the new client), and so is every promotion, whose
 * recent writes may have died with the old primary (cache-link.ts, recent-writes.ts).
 */
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../../../lib/1-ground/clock.js';
import { HerdguardError } from '../../../lib/1-ground/errors.js';
import { silentLogger, type Logger } from '../../../lib/1-ground/log.js';
import type { PolicyUpdate } from '../../../lib/3-policy/source.js';
import type { CachePolicy } from '../../../lib/3-policy/types.js';
import { createRedisClient } from '../../../lib/4-cache/l2/redis-client.js';
import { Listeners, type PromotionEvent, type RedisSwitch, type SwitchCause } from './events.js';
import { failoverTiming, parseAddress, renderedRedis, sameAddress, urlForAddress, type RedisAddress } from './settings.js';
import { suspectWindow, type SuspectWindow } from './suspect-window.js';

export interface RedisConnectionOptions {
  /** REDIS_URL: where to start before the first policy names a primary. */
  readonly initialUrl: string;
  readonly clock?: Pick<Clock, 'now'>;
  readonly logger?: Logger;
  /** Builds a client; the manager adds its READONLY hook. Named here so tests can count connections. */
  readonly connect?: (addr: RedisAddress, hooks: { reconnectOnError: (err: Error) => boolean }) => Redis;
  /** How long a new connection may take to become ready before it is used anyway (ioredis keeps trying). */
  readonly readyTimeoutMs?: number;
}

/** The primary could not be found after a READONLY reply. */
export class PrimaryUnknownError extends HerdguardError {
  constructor(from: RedisAddress) {
    super('E_REDIS_PRIMARY_UNKNOWN', `redis ${from.host}:${from.port} is read-only and names no primary`, { ...from });
  }
}

/** READONLY is Redis's own error code: the reply's first word is the protocol's code. */
export const isReadOnlyReply = (err: unknown): boolean => err instanceof Error && err.message.startsWith('READONLY');

export class RedisConnectionManager {
  /** The time suspect windows are measured in; writes remembered for repair must use it too. */
  readonly clock: Pick<Clock, 'now'>;
  /** Switches done, by cause; the chaos scenarios report them. */
  readonly switches = { policy: 0, readonly: 0 };
  private current: Redis;
  private addr: RedisAddress;
  private epoch: number | null = null;
  private policy: CachePolicy | null = null;
  private switching: Promise<void> = Promise.resolve();
  private closed = false;
  /** When the current client lost its connection (null while connected). */
  private lostAt: number | null = null;
  private readonly logger: Logger;
  private readonly switched: Listeners<RedisSwitch>;
  private readonly promotions: Listeners<PromotionEvent>;

  constructor(private readonly o: RedisConnectionOptions) {
    this.clock = o.clock ?? systemClock;
    this.logger = o.logger ?? silentLogger;
    this.switched = new Listeners(this.logger);
    this.promotions = new Listeners(this.logger);
    this.addr = parseAddress(o.initialUrl);
    this.current = this.open(this.addr);
  }

  get client(): Redis {
    return this.current;
  }

  get address(): RedisAddress {
    return this.addr;
  }

  /** Calls `f` after every move to a new node; returns the unsubscribe. */
  onSwitch(f: (s: RedisSwitch) => void): () => void {
    return this.switched.add(f);
  }

  /** Calls `f` at both stages of every promotion; returns the unsubscribe. */
  onPromotion(f: (p: PromotionEvent) => void): () => void {
    return this.promotions.add(f);
  }

  /** Feed every live-policy update here: the failover timing, and `rendered.redis` to follow. */
  onPolicy(u: PolicyUpdate): void {
    this.policy = u.policy;
    const r = renderedRedis(u.rendered);
    if (!r || this.closed) return;
    const promoted = this.epoch !== null && r.epoch > this.epoch;
    this.epoch = Math.max(this.epoch ?? 0, r.epoch);
    // Learned before switching: no read on the new primary may trust what the promotion could have lost.
    const window = promoted ? this.learnPromotion() : null;
    if (!sameAddress(r.primary, this.addr)) this.enqueue(() => this.switchTo(r.primary, 'policy'));
    if (window) this.enqueue(() => this.promotions.emit({ stage: 'switched', window, epoch: this.epoch }));
  }

  /** Runs `fn` on the primary; on READONLY, reconnects to the real primary and retries once. */
  async withPrimary<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
    const used = this.current;
    try {
      return await fn(used);
    } catch (err) {
      if (!isReadOnlyReply(err)) throw err;
      this.enqueue(() => this.followPrimaryOf(used));
      await this.switching;
      if (this.current === used) throw err; // no primary found: the caller sees the original reply
      return fn(this.current);
    }
  }

  /** Resolves once the current client is connected (or readyTimeoutMs passed: ioredis keeps trying). */
  whenReady(): Promise<void> {
    return ready(this.current, this.o.readyTimeoutMs ?? 1000);
  }

  /** Waits for the switches and promotion stages in flight (tests and shutdown). */
  async settled(): Promise<void> {
    await this.switching;
  }

  /** Stops following (listeners hear nothing more) and closes the client; listeners close what they opened. */
  async close(): Promise<void> {
    this.closed = true;
    this.switched.clear();
    this.promotions.clear();
    await this.switching;
    await quit(this.current);
  }

  private open(addr: RedisAddress): Redis {
    const reconnectOnError = (err: Error): boolean => {
      // A command the cache sent hit a demoted node: move in the background; the command
      // itself fails and the cache skips L2 for it (reconnecting to the same node would not help).
      if (isReadOnlyReply(err)) this.enqueue(() => this.followPrimaryOf(client));
      return false;
    };
    const client = this.o.connect
      ? this.o.connect(addr, { reconnectOnError })
      : createRedisClient(urlForAddress(this.o.initialUrl, addr), { reconnectOnError });
    client.on('error', (err: Error) => this.logger.debug('redis connection error', { err, addr }));
    client.on('close', () => {
      if (client === this.current) this.lostAt ??= this.clock.now();
    });
    client.on('ready', () => {
      if (client === this.current) this.lostAt = null;
    });
    return client;
  }

  /** Switches run one at a time, in order; a failed one is logged and the chain goes on. */
  private enqueue(step: () => Promise<void> | void): void {
    this.switching = this.switching
      .then(step)
      .catch((err: unknown) => this.logger.warn('redis switch failed; staying on the current node', { err }));
  }

  /** Tells the listeners, now, which writes the promotion may have lost; returns the window. */
  private learnPromotion(): SuspectWindow {
    const window = suspectWindow(this.clock.now(), this.lostAt, failoverTiming(this.policy));
    this.promotions.emit({ stage: 'learned', window, epoch: this.epoch });
    return window;
  }

  /** Asks the node we were on who its primary is (a replica knows), falling back to nothing. */
  private async followPrimaryOf(node: Redis): Promise<void> {
    if (node !== this.current || this.closed) return;
    let to: RedisAddress | null = null;
    try {
      const info = (await node.call('INFO', 'replication')) as string;
      const host = /master_host:(\S+)/.exec(info)?.[1];
      const port = /master_port:(\d+)/.exec(info)?.[1];
      to = host && port ? { host, port: Number(port) } : null;
    } catch (err) {
      this.logger.warn('could not ask the read-only node for its primary', { err });
    }
    if (!to) throw new PrimaryUnknownError(this.addr);
    await this.switchTo(to, 'readonly');
  }

  private async switchTo(to: RedisAddress, cause: SwitchCause): Promise<void> {
    if (this.closed || sameAddress(to, this.addr)) return;
    // A READONLY reply means the roles moved before the policy said so: act as for a published promotion.
    const window = cause === 'readonly' ? this.learnPromotion() : null;
    const next = this.open(to);
    await ready(next, this.o.readyTimeoutMs ?? 1000);
    const old = this.current;
    this.current = next;
    this.addr = to;
    this.switches[cause]++;
    this.switched.emit({ client: next, address: to, cause });
    this.logger.info('redis primary changed', { to, cause });
    if (window) this.enqueue(() => this.promotions.emit({ stage: 'switched', window, epoch: this.epoch }));
    await quit(old);
  }
}

function ready(c: Redis, timeoutMs: number): Promise<void> {
  if (c.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      c.off('ready', done);
      resolve();
    };
    const t = setTimeout(done, timeoutMs);
    c.once('ready', done);
  });
}

async function quit(c: Redis): Promise<void> {
  try {
    await c.quit();
  } catch {
    c.disconnect();
  }
}
