/**
 * Hit-path cost, in process, against the same real Redis as the herd:
 * - herdguard get() answered from L2 (L1 off) vs a raw ioredis GET (+ JSON.parse) of the very
 *   bytes herdguard stored;
 * - herdguard get() answered from L1 vs bentocache getOrSet() answered from its L1.
 * A single pass is at the mercy of whatever else the machine runs, so the sides are measured
 * in many short rounds, in an order that rotates every round, and each ratio is the median of
 * the per-round ratios, reported with its min and max (`…Spread`).
 */
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { Cluster } from 'ioredis';
import { CLUSTER_LAYOUT, STANDALONE_LAYOUT } from '../../lib/4-cache/l2/layout.js';
import type { RedisClient } from '../../lib/4-cache/l2/redis-client.js';
import { waitFor } from '../../testkit/process.js';
import { Registry } from 'prom-client';
import { createCache, parsePolicySpec } from '../../lib/4-cache/index.js';
import { spread, type Spread } from '../lib/index.js';

export interface HitPathOptions {
  readonly rounds: number;
  /** L2 sides: gets per side per round. */
  readonly perRound: number;
  /** L1 sides: time per side per round, ms. */
  readonly l1BlockMs: number;
}

export const HIT_PATH_FULL: HitPathOptions = { rounds: 31, perRound: 1000, l1BlockMs: 60 };
export const HIT_PATH_QUICK: HitPathOptions = { rounds: 25, perRound: 400, l1BlockMs: 30 };

export interface HitPathResult {
  /** Medians over the rounds, µs per get. */
  readonly l2HitUs: number;
  /** A raw ioredis GET of the same stored entry plus the JSON.parse any caller of it needs. */
  readonly rawGetUs: number;
  /** Median of the per-round ratios; its spread beside it. */
  readonly l2HitOverRawGet: number;
  readonly l2HitOverRawGetSpread: Spread;
  /** The same against a GET that leaves the bytes undecoded: the Redis round trip alone. */
  readonly rawGetNoParseUs: number;
  readonly l2HitOverRawGetNoParse: number;
  readonly l2HitOverRawGetNoParseSpread: Spread;
  readonly l1HitOpsPerSec: number;
  readonly bentocacheL1HitOpsPerSec: number;
  /** herdguard L1 hits/s ÷ bentocache L1 hits/s, median of the per-round ratios. */
  readonly l1HitOverBentocache: number;
  readonly l1HitOverBentocacheSpread: Spread;
  readonly hitPathRounds: number;
}

const VALUE = { id: 1, name: 'User 1', email: 'user1@example.com', bio: 'Profile of user 1', version: 1, updatedAt: '2026-01-01T00:00:00.000Z' };

function policy(l1Entries: number) {
  return parsePolicySpec({
    targetRef: { kind: 'Deployment', name: 'profile' },
    keyspaces: [
      {
        prefix: 'hit:',
        ttl: '10m',
        coalescing: { local: true, distributed: true, leaseTTL: '5s', waitTimeout: '2s' },
        earlyRefresh: { beta: '1.0' },
        staleWhileRevalidate: '30s',
        l1: { maxEntries: l1Entries, ttl: '10m' },
      },
    ],
  });
}

type Side = () => Promise<unknown>;

/** µs per call of `fn` over `n` sequential calls. */
async function usPerCall(n: number, fn: Side): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) / n) * 1000;
}

/** Calls per second of `fn` over about `ms`, in batches of 500 (the clock read stays off the path). */
async function callsPerSec(ms: number, fn: Side): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 500; i++) await fn();
    n += 500;
    t = performance.now();
  }
  return n / ((t - t0) / 1000);
}

/** Runs `measure` for every side in every round, the order rotated by one each round. */
async function rounds(count: number, sides: readonly Side[], measure: (fn: Side) => Promise<number>): Promise<number[][]> {
  const out = sides.map(() => [] as number[]);
  for (let r = 0; r < count; r++) {
    for (let k = 0; k < sides.length; k++) {
      const s = (r + k) % sides.length;
      (out[s] as number[]).push(await measure(sides[s] as Side));
    }
  }
  return out;
}

const ratios = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x / (b[i] as number));

/** `connect` opens a client to the herd's L2 (one Redis, or a Redis Cluster). */
export async function measureHitPath(connect: () => RedisClient, opts: HitPathOptions): Promise<HitPathResult> {
  const redis = connect();
  // Ready first: a cache asked while its client still connects serves from the origin (fail-safe).
  await waitFor('the hit-path client', () => Promise.resolve(redis.status === 'ready'), 20_000);
  const cluster = redis instanceof Cluster;
  const l2Only = createCache({ service: 'bench', redis, policy: policy(0), originName: 'bench', registry: new Registry() });
  const withL1 = createCache({ service: 'bench', redis, policy: policy(1000), originName: 'bench', registry: new Registry() });
  const bento = new BentoCache({
    default: 'b',
    stores: { b: bentostore().useL1Layer(memoryDriver({ maxItems: 1000 })).useL2Layer(redisDriver({ connection: redis })) },
  });
  try {
    let originCalls = 0;
    const factory = () => (originCalls++, Promise.resolve(VALUE));
    await l2Only.get('hit:1', factory);
    // The raw side reads the very bytes herdguard stored, from the same node on a cluster.
    const bytes = await redis.get((cluster ? CLUSTER_LAYOUT : STANDALONE_LAYOUT).copy('hit:1', 0));
    if (bytes === null) throw new Error('herdguard stored nothing for hit:1: the L2 side would not measure hits');
    const rawKey = cluster ? '{hit:1}:raw' : 'raw:hit:1';
    await redis.set(rawKey, bytes);
    const l2Sides: Side[] = [
      () => l2Only.get('hit:1', factory),
      async () => JSON.parse((await redis.get(rawKey)) as string) as unknown,
      () => redis.get(rawKey),
    ];
    for (const s of l2Sides) await usPerCall(opts.perRound, s); // JIT and sockets warm
    const filled = originCalls;
    const [hg, raw, noParse] = (await rounds(opts.rounds, l2Sides, (fn) => usPerCall(opts.perRound, fn))) as [number[], number[], number[]];
    if (originCalls !== filled) throw new Error(`the L2 side asked the origin ${originCalls - filled} times: it did not measure hits`);

    const bentoGet = () => bento.getOrSet({ key: 'hit:2', factory: () => VALUE, ttl: '10m' });
    await withL1.get('hit:2', factory);
    await bentoGet();
    const l1Sides: Side[] = [() => withL1.get('hit:2', factory), bentoGet];
    for (const s of l1Sides) await callsPerSec(opts.l1BlockMs, s);
    const [l1, b] = (await rounds(opts.rounds, l1Sides, (fn) => callsPerSec(opts.l1BlockMs, fn))) as [number[], number[]];

    const overRaw = spread(ratios(hg, raw));
    const overNoParse = spread(ratios(hg, noParse));
    const overBento = spread(ratios(l1, b));
    return {
      l2HitUs: spread(hg).median,
      rawGetUs: spread(raw).median,
      l2HitOverRawGet: overRaw.median,
      l2HitOverRawGetSpread: overRaw,
      rawGetNoParseUs: spread(noParse).median,
      l2HitOverRawGetNoParse: overNoParse.median,
      l2HitOverRawGetNoParseSpread: overNoParse,
      l1HitOpsPerSec: spread(l1).median,
      bentocacheL1HitOpsPerSec: spread(b).median,
      l1HitOverBentocache: overBento.median,
      l1HitOverBentocacheSpread: overBento,
      hitPathRounds: opts.rounds,
    };
  } finally {
    await l2Only.close();
    await withL1.close();
    await bento.disconnectAll().catch(() => undefined);
    redis.disconnect();
  }
}
