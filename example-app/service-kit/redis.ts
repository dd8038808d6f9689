/**
 * The services' Redis connection manager. It keeps the cache on the current primary:
 * it follows `rendered.redis.primary` from the live policy at once (the operator moves it
 * on promotion), and on a READONLY reply (we are talking to a demoted node) it finds the
 * primary, reconnects, and retries the command once. After a promotion it distrusts the
 * Redis entries written around it (served once, refreshed from the origin), drops L1 copies
 * and repopulates the keys it wrote lately: a write acknowledged by the lost primary may
 * never have reached the replica that took over (docs/adr/0004-redis-promotion.md).
 */
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import type { Cache, Factory } from '../../lib/4-cache/cache/types.js';
import { HerdguardError } from '../../lib/1-ground/errors.js';
import { createRedisClient } from '../../lib/4-cache/l2/redis-client.js';
import { silentLogger, type Logger } from '../../lib/1-ground/log.js';
import { metrics } from '../../lib/1-ground/metric-names.js';
import { parseDuration } from '../../lib/1-ground/duration.js';
import { sleepOn, systemClock, type Clock } from '../../lib/1-ground/clock.js';
import type { RenderedPolicy } from '../../lib/3-policy/types.js';
import { readWarmup, type WarmupRequest } from '../../lib/3-policy/warmup.js';

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * A warmup request stays in the rendered policy after it ran; a pod started long after
 * it must not warm again. Past its expected duration plus this grace, it is history.
 */
export const WARMUP_GRACE_MS = 120_000;

/** Whether `req` is still current at `now`: within the time it would take to run, plus a grace. */
export function warmupCurrent(req: WarmupRequest, now: number): boolean {
  if (req.requestedAt === null) return true;
  const runMs = (req.topKeys / Math.max(1, req.ratePerSecondPerInstance)) * 1000;
  return now - req.requestedAt <= runMs + WARMUP_GRACE_MS;
}

/** Where Redis stands in the rendered policy: primary address, promotion epoch, cold-start warmup. */
export interface RenderedRedis {
  readonly primary: RedisAddress;
  readonly epoch: number;
  readonly warmup: WarmupRequest | null;
}

export interface RedisManagerOptions {
  /** REDIS_URL: where to start before the first policy names a primary. */
  readonly initialUrl: string;
  readonly cache: Pick<Cache, 'setRedis' | 'evictL1' | 'distrustWrittenBetween'>;
  readonly clock?: Pick<Clock, 'now'>;
  readonly logger?: Logger;
  /** Builds a client; the manager adds its READONLY hook. Named here so tests can count connections. */
  readonly connect?: (addr: RedisAddress, hooks: { reconnectOnError: (err: Error) => boolean }) => Redis;
  /** Runs the policy's gradual warmup (the service knows its keys and origin). Called once per request id. */
  readonly onWarmup?: (req: WarmupRequest, signal: AbortSignal) => Promise<void>;
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

export function parseAddress(s: string): RedisAddress {
  const u = new URL(s.includes('://') ? s : `redis://${s}`);
  return { host: u.hostname, port: u.port === '' ? 6379 : Number(u.port) };
}

/**
 * The URL of another node of the same Redis: REDIS_URL with its host and port replaced, so
 * the credentials, database and scheme it carries (AUTH from a Secret) follow every switch.
 */
export function urlForAddress(initialUrl: string, addr: RedisAddress): string {
  const u = new URL(initialUrl.includes('://') ? initialUrl : `redis://${initialUrl}`);
  u.hostname = addr.host;
  u.port = String(addr.port);
  return u.toString();
}

/** Reads `rendered.redis` defensively: a missing or odd field means "no instruction". */
export function renderedRedis(rendered: RenderedPolicy | null): RenderedRedis | null {
  const r = rendered?.redis as (Record<string, unknown> & { primary?: unknown; epoch?: unknown }) | undefined;
  if (!r || typeof r.primary !== 'string' || r.primary === '') return null;
  return { primary: parseAddress(r.primary), epoch: Number(r.epoch ?? 0), warmup: readWarmup(r['warmup']) };
}

const same = (a: RedisAddress, b: RedisAddress) => a.host === b.host && a.port === b.port;

/** Async replication lag, plus clock skew between the pods that stamp entries: margin before the loss. */
export const REPLICATION_LAG_MARGIN_MS = 1000;
/** Writes remembered for repair after a promotion: at most this many, for at most this long. */
export const RECENT_WRITES_MAX = 10_000;
export const RECENT_WRITES_MS = 60_000;
const REPAIR_CONCURRENCY = 8;

/** The policy's failover timing (rendered.spec.redis.failover), defaults as in the CRD. */
export function failoverTiming(rendered: RenderedPolicy | null): { detectAfterMs: number; checkIntervalMs: number } {
  const f = (rendered?.spec as { redis?: { failover?: { detectAfter?: unknown; checkInterval?: unknown } } } | undefined)?.redis?.failover;
  const ms = (v: unknown, d: number) => (typeof v === 'string' ? (parseDuration(v) ?? d) : d);
  return { detectAfterMs: ms(f?.detectAfter, 1500), checkIntervalMs: ms(f?.checkInterval, 250) };
}

/**
 * When writes may have been lost with the old primary: from the moment this service lost
 * it (or, if it never noticed, the earliest the operator could have declared it lost),
 * less the replication-lag margin, until the moment the service learned of the promotion.
 * Entries created before that were replicated long ago; refetching them all would be a
 * cold start for the origin.
 */
export function suspectWindow(learnedAt: number, lostAt: number | null, timing: { detectAfterMs: number; checkIntervalMs: number }): [number, number] {
  const declared = learnedAt - timing.detectAfterMs - 2 * timing.checkIntervalMs;
  return [Math.min(lostAt ?? declared, declared) - REPLICATION_LAG_MARGIN_MS, learnedAt];
}

interface RecentWrite {
  readonly key: string;
  readonly at: number;
  readonly repair: () => Promise<void>;
}

export class RedisConnectionManager {
  private current: Redis;
  private addr: RedisAddress;
  private epoch: number | null = null;
  private switching: Promise<void> = Promise.resolve();
  private warmups = new Set<string>();
  private warming: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private readonly clock: Pick<Clock, 'now'>;
  private readonly logger: Logger;
  private closed = false;
  /** When the current client lost its connection (null while connected). */
  private lostAt: number | null = null;
  private rendered: RenderedPolicy | null = null;
  private recentWrites: RecentWrite[] = [];
  private repairing: Promise<void> = Promise.resolve();
  /** Switches done, by cause; the chaos scenarios report them. */
  readonly switches = { policy: 0, readonly: 0 };

  constructor(private readonly o: RedisManagerOptions) {
    this.clock = o.clock ?? Date;
    this.logger = o.logger ?? silentLogger;
    this.addr = parseAddress(o.initialUrl);
    this.current = this.open(this.addr);
    o.cache.setRedis(this.current);
  }

  get client(): Redis {
    return this.current;
  }

  get address(): RedisAddress {
    return this.addr;
  }

  /** Feed every live-policy update here (PolicyUpdate.rendered). */
  onPolicy(rendered: RenderedPolicy | null): void {
    const r = renderedRedis(rendered);
    if (rendered) this.rendered = rendered;
    if (!r || this.closed) return;
    const promoted = this.epoch !== null && r.epoch > this.epoch;
    this.epoch = Math.max(this.epoch ?? 0, r.epoch);
    // Distrust before switching: no read on the new primary may trust what the promotion could have lost.
    const window = promoted ? this.distrustWindow() : null;
    if (!same(r.primary, this.addr)) this.queueSwitch(r.primary, 'policy');
    if (window) this.queueRepair(window);
    if (r.warmup && !this.warmups.has(r.warmup.id) && warmupCurrent(r.warmup, this.clock.now())) this.startWarmup(r.warmup);
  }

  /**
   * A write of `key` (e.g. a profile update through the cache): runs on the primary like
   * withPrimary, and is remembered for a while, so that if a promotion follows, `repair`
   * (repopulate the key from the origin) runs on the new primary: the write's Redis copy
   * may have died with the old one.
   */
  async write<T>(key: string, fn: () => Promise<T>, repair: () => Promise<void>): Promise<T> {
    const now = this.clock.now();
    this.recentWrites.push({ key, at: now, repair });
    const keepFrom = this.recentWrites.findIndex((w) => w.at >= now - RECENT_WRITES_MS);
    const drop = Math.max(keepFrom < 0 ? this.recentWrites.length : keepFrom, this.recentWrites.length - RECENT_WRITES_MAX);
    if (drop > 0) this.recentWrites = this.recentWrites.slice(drop);
    return this.withPrimary(() => fn());
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

  /** Waits for switches and revalidation in flight (tests and shutdown). */
  async settled(): Promise<void> {
    await this.switching;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await this.switching;
    await this.repairing;
    await this.warming;
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

  private queueSwitch(to: RedisAddress, cause: 'policy' | 'readonly'): void {
    this.enqueue(() => this.switchTo(to, cause));
  }

  /** Distrusts Redis entries created in the suspect window, now; returns the window. */
  private distrustWindow(): [number, number] {
    const window = suspectWindow(this.clock.now(), this.lostAt, failoverTiming(this.rendered));
    this.o.cache.distrustWrittenBetween(window[0], window[1]);
    return window;
  }

  /**
   * After the switch (against the old primary it would re-read what we distrust): drop L1
   * copies (fill notifications may have died with the old primary; the next read asks the
   * new one, no origin call), and repopulate the keys this service wrote in the suspect
   * window (their Redis copy may have died with the old primary; the repopulation's fill
   * notification also clears other instances' L1 copies).
   */
  private queueRepair([from]: [number, number]): void {
    this.enqueue(() => {
      const n = this.o.cache.evictL1();
      const writes = this.recentWrites.filter((w) => w.at >= from);
      this.logger.info('after a promotion: L1 dropped, repairing recent writes', { l1: n, writes: writes.length, epoch: this.epoch });
      this.repairing = this.repairing.then(() => this.repair(writes));
    });
  }

  private async repair(writes: readonly RecentWrite[]): Promise<void> {
    const latest = new Map(writes.map((w) => [w.key, w]));
    const queue = [...latest.values()];
    const worker = async () => {
      for (let w = queue.shift(); w && !this.closed; w = queue.shift()) {
        await w.repair().catch((err: unknown) => this.logger.warn('could not repair a write after the promotion', { key: w.key, err }));
      }
    };
    await Promise.all(Array.from({ length: REPAIR_CONCURRENCY }, worker));
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

  private async switchTo(to: RedisAddress, cause: 'policy' | 'readonly'): Promise<void> {
    if (this.closed || same(to, this.addr)) return;
    // A READONLY reply means the roles moved before the policy said so: act as for a published promotion.
    const window = cause === 'readonly' ? this.distrustWindow() : null;
    const next = this.open(to);
    await ready(next, this.o.readyTimeoutMs ?? 1000);
    const old = this.current;
    this.current = next;
    this.addr = to;
    this.switches[cause]++;
    this.o.cache.setRedis(next);
    this.logger.info('redis primary changed', { to, cause });
    if (window) this.queueRepair(window);
    await quit(old);
  }

  private startWarmup(req: WarmupRequest): void {
    const run = this.o.onWarmup;
    if (!run) return;
    // Bounded: ids are kept only until the next request (the operator sends one at a time).
    this.warmups = new Set([req.id]);
    this.warming = this.warming
      .then(() => run(req, this.abort.signal))
      .catch((err: unknown) => this.logger.warn('warmup failed', { err, id: req.id }));
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

/**
 * The keys a service served most recently, bounded: after a cold Redis it warms these,
 * most recent first (the cache's hot-key tracker keeps only the top few dozen).
 */
export class RecentKeys {
  private readonly lru: LRUCache<string, true>;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`expected max to be a positive integer, got ${String(max)}`);
    this.lru = new LRUCache<string, true>({ max });
  }

  touch(key: string): void {
    this.lru.set(key, true);
  }

  /** Up to `n` keys, most recently served first. */
  top(n: number): string[] {
    const out: string[] = [];
    for (const k of this.lru.keys()) {
      if (out.length >= n) break;
      out.push(k);
    }
    return out;
  }
}

/** Origin calls this service has made so far (every outcome), read from its own metrics. */
export function originCallCounter(registry: Registry): () => Promise<number> {
  return async () => {
    const m = registry.getSingleMetric(metrics.originRequests.name);
    if (!m) return 0;
    const { values } = await m.get();
    return values.reduce((n, v) => n + v.value, 0);
  };
}

export interface BudgetedWarmupOptions {
  readonly cache: Pick<Cache, 'warmup'>;
  readonly keys: readonly string[];
  readonly factory: Factory<unknown>;
  /** This instance's share of the policy's warmup rate: origin calls per second, organic ones included. */
  readonly ratePerSecond: number;
  /** Origin calls made so far by this process (organic misses and warmup alike). */
  readonly originCalls: () => Promise<number>;
  readonly signal: AbortSignal;
  readonly clock?: Clock;
  /** Budget granularity; one slice's worth of calls is the largest burst. */
  readonly sliceMs?: number;
}

/**
 * Warms `keys` so that the origin sees at most `ratePerSecond` calls in all: a token bucket
 * of one slice, from which organic misses are paid first (a client is waiting on those) and
 * warmup takes what is left. Keys already in Redis cost no token. If organic misses alone
 * exceed the rate, warmup waits; it cannot slow clients down.
 */
export async function warmWithinOriginBudget(o: BudgetedWarmupOptions): Promise<{ warmed: number; failed: number }> {
  if (!(o.ratePerSecond > 0)) throw new RangeError(`expected ratePerSecond to be positive, got ${String(o.ratePerSecond)}`);
  const clock = o.clock ?? systemClock;
  const sliceMs = o.sliceMs ?? 100;
  // 5 % kept back: organic misses that land between two budget checks are paid late.
  const rate = o.ratePerSecond * 0.95;
  const cap = Math.max(1, (rate * sliceMs) / 1000);
  let tokens = 0;
  let last = clock.now();
  let calls = await o.originCalls();
  let next = 0;
  const total = { warmed: 0, failed: 0 };
  while (next < o.keys.length && !o.signal.aborted) {
    const now = clock.now();
    const seen = await o.originCalls();
    // Debt from an organic burst is kept down to one slice, so warmup resumes once it passes.
    tokens = Math.max(-cap, Math.min(cap, tokens + (rate * (now - last)) / 1000) - (seen - calls));
    last = now;
    calls = seen;
    if (tokens < 1) {
      await sleepOn(clock, sliceMs, o.signal);
      continue;
    }
    const n = Math.floor(tokens);
    const chunk = o.keys.slice(next, next + n);
    next += chunk.length;
    const r = await o.cache.warmup(chunk, o.factory, { ratePerSecond: o.ratePerSecond, batchSize: chunk.length, signal: o.signal });
    total.warmed += r.warmed;
    total.failed += r.failed;
  }
  return total;
}
