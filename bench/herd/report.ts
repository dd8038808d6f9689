/** The herd lab's human report: one table per distribution, hit-path figures, and plots. */
import { writeReport, type Plot, type Series } from '../lib/index.js';
import type { Spread } from '../lib/index.js';
import { MODE_LABEL, MODES, type Mode } from './modes.js';
import type { RoundsResult } from './run.js';
import type { ShardFailoverResult } from './shard-failover.js';

export interface HerdData {
  readonly command: string;
  readonly generatedAt: string;
  readonly instances: number;
  readonly dbPoolMax: number;
  readonly sizes: { users: number; burst: number; ttlMs: number };
  readonly l2HitOverRawGet: number;
  readonly l2HitOverRawGetSpread: Spread;
  readonly l2HitUs: number;
  readonly rawGetUs: number;
  readonly l2HitOverRawGetNoParse: number;
  readonly rawGetNoParseUs: number;
  readonly l1HitOpsPerSec: number;
  readonly bentocacheL1HitOpsPerSec: number;
  readonly l1HitOverBentocache: number;
  readonly l1HitOverBentocacheSpread: Spread;
  readonly hitPathRounds: number;
  /** Every mode on one Redis; baseline and full on a cluster. */
  readonly modes: Partial<Record<Mode, RoundsResult & { zipf: RoundsResult }>>;
  readonly l2?: 'standalone' | 'cluster';
  readonly shardFailover?: ShardFailoverResult;
  readonly acceptance: Record<string, boolean>;
}

/** The modes a run measured, in the lab's order. */
const ran = (d: HerdData): Mode[] => MODES.filter((m) => d.modes[m] !== undefined);

const COLUMNS = [
  'mode', 'origin queries', 'distinct keys', 'per key', 'req/key', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms',
  'steady p99 ms', 'p99 ÷ steady (median [min, max])', 'errors', 'peak pool waiting', 'peak db active', 'expiry spread ms',
];

const spreadCell = (s: Spread) =>
  s.rounds > 1 ? `${s.median.toFixed(3)} [${s.min.toFixed(3)}, ${s.max.toFixed(3)}] (${s.rounds} rounds)` : s.median.toFixed(3);

function row(mode: Mode, r: RoundsResult) {
  return [
    MODE_LABEL[mode], r.originQueries, r.distinctKeys, r.originQueriesPerKey, r.requestsPerKey, r.p50Ms, r.p95Ms, r.p99Ms,
    r.maxMs, r.steadyP99Ms, spreadCell(r.burstOverSteadyP99), r.errors, r.peakPoolWaiting, r.peakDbActive, r.expirySpreadMs,
  ];
}

/** Every mode on each plot, the unprotected baseline and the protected full policy among them. */
/** `name` (the report's) prefixes the files: a cluster run's plots sit beside the standalone run's. */
function plots(data: HerdData, dist: 'uniform' | 'zipf', name: string): Plot[] {
  const pick = (m: Mode) => {
    const r = data.modes[m] as RoundsResult & { zipf: RoundsResult };
    return dist === 'uniform' ? r : r.zipf;
  };
  const lat: Series[] = ran(data).map((m) => ({ name: m, points: pick(m).timeline.latencyP99 }));
  const origin: Series[] = ran(data).map((m) => ({ name: m, points: pick(m).timeline.originReads }));
  return [
    {
      title: `Latency over time (p99 per 50 ms, ${dist} ids)`,
      file: `${name}-latency-${dist}.svg`,
      series: lat,
      options: { xLabel: 'ms since burst start', yLabel: 'latency ms (log)', logY: true },
    },
    {
      title: `Origin queries until refreshes settle (cumulative, pg_stat_statements, ${dist} ids)`,
      file: `${name}-origin-${dist}.svg`,
      series: origin,
      options: { xLabel: 'ms since burst start', yLabel: 'origin queries' },
    },
  ];
}

export function writeHerdReport(o: { dir: string; name: string; format: 'md' | 'html'; data: HerdData }): Promise<string> {
  const d = o.data;
  return writeReport({
    dir: o.dir,
    name: o.name,
    format: o.format,
    title: d.l2 === 'cluster' ? 'Herd lab on a Redis Cluster: synchronized expiry, then a burst, then a shard primary killed' : 'Herd lab: synchronized expiry, then a burst',
    intro: [
      `Reproduce: \`${d.command}\` (${d.generatedAt}).`,
      `Real PostgreSQL with ${d.sizes.users} users, ${d.l2 === 'cluster' ? 'a real Redis Cluster (3 primaries, 3 replicas; baseline and full mode, the peers\' adapters use one Redis)' : 'real Redis'}, ${d.instances} profile processes per backend, pg pool max ${d.dbPoolMax} each. ` +
        `Every key is written on a pinned clock (one expiry instant, TTL ${d.sizes.ttlMs} ms), the burst of ${d.sizes.burst} concurrent requests ` +
        'lands after the last (jittered) expiry, spread round-robin over the instances. Origin queries are counted by pg_stat_statements ' +
        '(reset before the burst, read once background refreshes settle, at most 35 s). "steady p99" is the same burst on the warm cache just before expiry; ' +
        'both bursts start on open connections and are sampled alike. The full mode runs several rounds per distribution: its row is the median round. ' +
        '"req/key" is the per-key origin count if every request went to the database. Expiry spread is max − min remaining Redis TTL right after warming.',
      `Hit path (same run, same Redis, medians over ${d.hitPathRounds} rounds, the sides' order rotating): herdguard L2 hit ${d.l2HitUs.toFixed(1)} µs vs raw ioredis GET + JSON.parse of the same entry ${d.rawGetUs.toFixed(1)} µs → ` +
        `l2HitOverRawGet ${spreadCell(d.l2HitOverRawGetSpread)} (against the GET alone, bytes left undecoded: ${d.rawGetNoParseUs.toFixed(1)} µs, ×${d.l2HitOverRawGetNoParse.toFixed(3)}); ` +
        `L1 hit ${Math.round(d.l1HitOpsPerSec)} ops/s vs bentocache L1 hit ${Math.round(d.bentocacheL1HitOpsPerSec)} ops/s: ×${spreadCell(d.l1HitOverBentocacheSpread)}.`,
      `Acceptance: ${Object.entries(d.acceptance).map(([k, v]) => `${k} ${v ? '✅' : '❌'}`).join(', ')}.`,
    ],
    tables: [
      { title: 'Uniform ids', columns: COLUMNS, rows: ran(d).map((m) => row(m, d.modes[m] as RoundsResult)) },
      { title: 'Zipf ids (s = 1)', columns: COLUMNS, rows: ran(d).map((m) => row(m, (d.modes[m] as { zipf: RoundsResult }).zipf)) },
      ...(d.shardFailover ? [shardTable(d.shardFailover)] : []),
    ],
    plots: [...plots(d, 'uniform', o.name), ...plots(d, 'zipf', o.name), ...(d.shardFailover ? [shardPlot(d.shardFailover, o.name)] : [])],
  });
}

function shardTable(f: ShardFailoverResult) {
  return {
    title: `Shard failover (the full-mode fleet under reads; the primary on :${f.victimPort} killed at second ${f.killedAtSecond})`,
    columns: ['requests', 'client errors', 'origin reads', 'hit rate', 's until the slot is served again'],
    rows: [[f.requests, f.clientErrors, f.originCalls, f.hitRate, f.secondsUntilSlotServed]],
  };
}

function shardPlot(f: ShardFailoverResult, name: string): Plot {
  return {
    title: 'Shard failover: requests, client errors, origin reads and p99 latency (ms) per second (the kill in second ' + String(f.killedAtSecond) + ')',
    file: `${name}-shard-failover.svg`,
    series: [
      { name: 'requests', points: f.perSecond.map((p) => [p.second, p.requests] as [number, number]) },
      { name: 'client errors', points: f.perSecond.map((p) => [p.second, p.errors] as [number, number]) },
      { name: 'origin reads', points: f.perSecond.map((p) => [p.second, p.originReads] as [number, number]) },
      { name: 'p99 latency ms', points: f.perSecond.map((p) => [p.second, p.p99Ms] as [number, number]) },
    ],
    options: { xLabel: 'second of the run', yLabel: 'per second' },
  };
}
