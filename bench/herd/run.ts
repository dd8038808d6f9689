/**
 * One mode, one id distribution: warm every key on a pinned clock (one expiry instant),
 * fire the burst on the warm cache (the steady reference), wait until every key has
 * expired, reset pg_stat_statements, fire the same burst again (the herd) and measure.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '../../lib/4-cache/l2/redis-client.js';
import { flushAll, userKeyTtls } from './l2.js';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { parsePolicySpec } from '../../lib/3-policy/load.js';
import { createRedisClient, createStore } from '../../example-app/profile/app.js';
import type { ProfileDb } from '../../example-app/profile/db.js';
import { range, warmProfiles } from '../../example-app/profile/warming.js';
import { bin, quantile, spread, summarize, type Spread } from '../lib/index.js';
import { runBurst, settleOriginReads, type BurstResult, type HttpLoad } from './burst.js';
import { sampleIds, type Distribution } from './ids.js';
import { implOf, jitterMaxMs, policySpec, type Mode, type ModeSizes } from './modes.js';

export interface RunSizes extends ModeSizes {
  readonly users: number;
  readonly burst: number;
  readonly seed: number;
}

/** The herd of seed 004 (10 000 users, 5 000 concurrent requests), and a smaller one for smoke runs. */
export function herdSizes(quick: boolean): RunSizes {
  return quick
    ? { users: 2000, burst: 1000, ttlMs: 1500, l1TtlMs: 500, seed: 4 }
    : { users: 10_000, burst: 5000, ttlMs: 8000, l1TtlMs: 1000, seed: 4 };
}

/** Longest wait for background refreshes after a herd: the full policy's staleWhileRevalidate (30 s) and some. */
const HERD_SETTLE_MAX_MS = 35_000;

export interface RunResult {
  readonly requests: number;
  readonly distinctKeys: number;
  readonly originQueries: number;
  readonly originQueriesPerKey: number;
  /** requests / distinct keys: what per-key origin reads would be if every request missed. */
  readonly requestsPerKey: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly errorStatuses: Record<string, number>;
  readonly peakPoolWaiting: number;
  readonly peakDbActive: number;
  readonly burstDurationMs: number;
  readonly steadyP50Ms: number;
  readonly steadyP99Ms: number;
  readonly steadyErrors: number;
  readonly steadyOriginQueries: number;
  /** Max − min remaining Redis TTL over sampled keys right after warming: what jitter spreads. */
  readonly expirySpreadMs: number;
  /** From the herd burst's start to the last origin read its background refreshes added. */
  readonly refreshSettledMs: number;
  /**
   * The herd over time, ms since its burst started: p99 latency per 50 ms, and cumulative
   * origin reads sampled during the burst, at its end and until background refreshes settle
   * (a protected run answers the burst from stale values and reads the origin after it).
   */
  readonly timeline: { readonly latencyP99: Array<[number, number]>; readonly originReads: Array<[number, number]> };
}

export interface RunDeps {
  readonly mode: Mode;
  readonly dist: Distribution;
  readonly sizes: RunSizes;
  readonly load: HttpLoad;
  /** The L2 the fleet uses (one Redis or a Redis Cluster): flushed before each run, its TTLs sampled. */
  readonly redis: RedisClient;
  readonly redisUrl: string;
  /** Opens a client to the same L2 for the warm-up store; default one to `redisUrl`. */
  readonly connect?: () => RedisClient;
  readonly db: ProfileDb;
  readonly admin: pg.Client;
  /**
   * Zeroes pg_stat_statements; default `admin` runs it. Where `admin` is the chart's
   * application role (not a superuser, so refused), the caller resets another way.
   */
  readonly resetOriginCounts?: () => Promise<void>;
  readonly log: (msg: string) => void;
}

async function resetOriginCounts(d: RunDeps): Promise<void> {
  if (d.resetOriginCounts) await d.resetOriginCounts();
  else await d.admin.query('SELECT pg_stat_statements_reset()');
}

async function expirySpread(redis: RedisClient): Promise<number> {
  const ttls = (await userKeyTtls(redis, 400)).filter((t) => t > 0);
  return ttls.length ? Math.max(...ttls) - Math.min(...ttls) : 0;
}

async function warm(d: RunDeps): Promise<{ t0: number; end: number }> {
  const t0 = Date.now();
  const policy = parsePolicySpec(policySpec(d.mode, d.sizes), { name: `herd-${d.mode}-warm` });
  // A client of its own: bentocache's disconnect closes the connection it was given.
  const redis = d.connect ? d.connect() : createRedisClient(d.redisUrl);
  const store = await createStore({
    db: d.db,
    redis,
    policy,
    registry: new Registry(),
    config: { cacheImpl: implOf(d.mode), redisUrl: d.redisUrl, serviceName: 'herd-warm' },
    bus: false,
    now: () => t0, // every entry written "at t0": one logical expiry instant (seed 004 baseline)
  });
  try {
    await warmProfiles({ db: d.db, store, ids: range(1, d.sizes.users), batchSize: 1000 });
  } finally {
    await store.close();
    redis.disconnect();
  }
  return { t0, end: Date.now() };
}

function statuses(b: BurstResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of b.requests) if (r.status !== 200) out[String(r.status || 'transport')] = (out[String(r.status || 'transport')] ?? 0) + 1;
  return out;
}

export async function runOne(d: RunDeps): Promise<RunResult> {
  const { sizes } = d;
  await flushAll(d.redis);
  const ids = sampleIds(d.dist, sizes.burst, sizes.users, sizes.seed);
  const distinctKeys = new Set(ids).size;
  const w = await warm(d);
  const expirySpreadMs = await expirySpread(d.redis);
  d.log(`  ${d.mode}/${d.dist}: warmed ${sizes.users} keys in ${w.end - w.t0} ms (expiry spread ${expirySpreadMs} ms)`);

  // Both bursts start on open sockets and are watched by the same sampler: the ratio of their
  // p99s is the herd's own cost, not a reconnect storm or a busier observer.
  await resetOriginCounts(d);
  await d.load.prime(sizes.burst);
  const steady = await runBurst({ load: d.load, ids, db: d.admin, samplePools: true });
  const steadyOrigin = (await settleOriginReads(d.admin, { quietMs: 100, maxMs: 1000, since: performance.now() })).reads;
  const steadyEnd = Date.now();
  if (steadyEnd >= w.t0 + sizes.ttlMs) d.log(`  warning: the steady burst ended after the first expiry; steadyP99 may include misses`);

  // Past the last physical expiry of every key: writes began at t0 and ended at w.end.
  const expireAll = w.end + sizes.ttlMs + jitterMaxMs(sizes) + 150;
  await sleep(Math.max(0, expireAll - Date.now()));
  await d.load.prime(sizes.burst);
  await resetOriginCounts(d);
  const herdStart = performance.now();
  const herd = await runBurst({ load: d.load, ids, db: d.admin, samplePools: true });
  const settled = await settleOriginReads(d.admin, { quietMs: 1000, maxMs: HERD_SETTLE_MAX_MS, since: herdStart });
  const originQueries = settled.reads;

  const lat = summarize(herd.requests.map((r) => r.latencyMs));
  const st = summarize(steady.requests.map((r) => r.latencyMs));
  const errorStatuses = statuses(herd);
  const result: RunResult = {
    requests: ids.length,
    distinctKeys,
    originQueries,
    originQueriesPerKey: originQueries / distinctKeys,
    requestsPerKey: ids.length / distinctKeys,
    p50Ms: lat.p50Ms,
    p95Ms: lat.p95Ms,
    p99Ms: lat.p99Ms,
    maxMs: lat.maxMs,
    errors: herd.requests.filter((r) => r.status !== 200).length,
    errorStatuses,
    peakPoolWaiting: Math.max(0, ...herd.samples.map((s) => s.poolWaiting)),
    peakDbActive: Math.max(0, ...herd.samples.map((s) => s.dbActive)),
    burstDurationMs: herd.durationMs,
    steadyP50Ms: st.p50Ms,
    steadyP99Ms: st.p99Ms,
    steadyErrors: steady.requests.filter((r) => r.status !== 200).length,
    steadyOriginQueries: steadyOrigin,
    expirySpreadMs,
    refreshSettledMs: settled.lastChangeMs,
    timeline: {
      latencyP99: bin(herd.requests.map((r) => [r.doneAt, r.latencyMs] as const), 50, (v) => quantile(v, 0.99)),
      originReads: [
        ...herd.samples.map((s): [number, number] => [Math.round(s.t), s.originReads]),
        [Math.round(herd.originAtEnd.t), herd.originAtEnd.reads],
        ...settled.samples,
      ],
    },
  };
  d.log(
    `  ${d.mode}/${d.dist}: origin ${originQueries} for ${distinctKeys} keys (${result.originQueriesPerKey.toFixed(3)}/key), ` +
      `p50 ${lat.p50Ms.toFixed(1)} p99 ${lat.p99Ms.toFixed(1)} max ${lat.maxMs.toFixed(1)} ms, steady p99 ${st.p99Ms.toFixed(1)} ms, ` +
      `errors ${result.errors}, peak pool waiting ${result.peakPoolWaiting}, origin settled after ${Math.round(settled.lastChangeMs)} ms`,
  );
  return result;
}

export interface RoundsResult extends RunResult {
  /** Herd p99 ÷ steady p99, one per round; the RunResult fields are those of the median round. */
  readonly burstOverSteadyP99: Spread;
  /** Worst round. */
  readonly maxOriginQueriesPerKey: number;
  readonly maxRefreshSettledMs: number;
  readonly totalErrors: number;
  readonly rounds: ReadonlyArray<Pick<RunResult, 'p99Ms' | 'steadyP99Ms' | 'originQueriesPerKey' | 'errors' | 'refreshSettledMs'>>;
}

/**
 * `rounds` runs of runOne. One burst of a few hundred ms is at the mercy of whatever else the
 * machine does at that moment (2 shared cores): a ratio judged on one round is noise.
 */
export async function runRounds(d: RunDeps, rounds: number): Promise<RoundsResult> {
  const all: RunResult[] = [];
  for (let r = 0; r < rounds; r++) all.push(await runOne(d));
  const ratio = (x: RunResult) => x.p99Ms / x.steadyP99Ms;
  const byRatio = [...all].sort((a, b) => ratio(a) - ratio(b));
  const median = byRatio[Math.floor((byRatio.length - 1) / 2)] as RunResult;
  const s = spread(all.map(ratio));
  if (rounds > 1) d.log(`  ${d.mode}/${d.dist}: burst p99 ÷ steady p99 over ${rounds} rounds: median ${s.median.toFixed(2)} [${s.min.toFixed(2)}, ${s.max.toFixed(2)}]`);
  return {
    ...median,
    burstOverSteadyP99: s,
    maxOriginQueriesPerKey: Math.max(...all.map((x) => x.originQueriesPerKey)),
    maxRefreshSettledMs: Math.max(...all.map((x) => x.refreshSettledMs)),
    totalErrors: all.reduce((n, x) => n + x.errors, 0),
    rounds: all.map(({ p99Ms, steadyP99Ms, originQueriesPerKey, errors, refreshSettledMs }) => ({ p99Ms, steadyP99Ms, originQueriesPerKey, errors, refreshSettledMs })),
  };
}
