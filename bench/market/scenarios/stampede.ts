/**
 * Seed 000: TTL expiry of five popular symbols under 1 200 req/s over 3 pods, against a
 * vendor limited to 50 req/s. Baseline (naive GET/miss/fetch/SET, fixed TTL) and protected
 * (herdguard policy) run in the same invocation on fresh stacks.
 */
import { getJson } from '../../../example-app/market-data/testing/stack.js';
import type { LatencySummary } from '../../lib/index.js';
import { openLoop, type LoadResult } from '../http-load.js';
import { progress } from '../progress.js';
import { startStack } from '../stack.js';

export const STAMPEDE_SYMBOLS = ['AAPL', 'MSFT', 'GOOGL', 'NVDA', 'SPY'];

export interface StampedeMode {
  readonly mode: 'baseline' | 'protected';
  readonly ttlMs: number;
  readonly durationMs: number;
  readonly ratePerSec: number;
  readonly expiriesPerSymbol: number;
  readonly upstreamHits: number;
  readonly upstreamHitsPerSymbolPerExpiry: number;
  readonly maxUpstreamHitsPerSymbolPerExpiry: number;
  readonly upstream429: number;
  readonly responses: Record<string, number>;
  readonly skipped: number;
  readonly latency: LatencySummary;
  /** [second, upstream-bound 503s] for the plot. */
  readonly errorsPerSecond: Array<[number, number]>;
}

export function protectedPolicy(ttlMs: number): unknown {
  return {
    targetRef: { kind: 'Deployment', name: 'market-data' },
    keyspaces: [
      {
        prefix: 'quote:',
        ttl: `${ttlMs}ms`,
        jitter: { max: `${Math.round(ttlMs / 5)}ms` },
        coalescing: { local: true, distributed: true, leaseTTL: '3s', waitTimeout: '1500ms' },
        // XFetch is left off here: it refreshes deliberately *before* expiry, which this
        // figure would count as an extra hit per cycle (about 1.2 with it on, no 429s either).
        staleWhileRevalidate: '30s',
        staleIfError: '60s',
        negativeTTL: '60s',
        originTimeout: '2s',
        l1: { maxEntries: 2000, ttl: '500ms' },
        hotKeys: { threshold: 100, window: '5s', replicas: 8 },
      },
    ],
    origin: { maxConcurrency: 16, maxQueue: 2000, failureThreshold: 20, resetAfter: '1s' },
  };
}

async function runMode(mode: 'baseline' | 'protected', o: { ttlMs: number; durationMs: number; ratePerSec: number }): Promise<StampedeMode> {
  progress(`stampede/${mode}: starting redis, feed simulator (50 req/s, 100 ms) and 3 pods`);
  const stack = await startStack({
    pods: 3,
    simRate: 50,
    simLatencyMs: 100,
    namePrefix: `stampede-${mode}`,
    podEnv: mode === 'baseline' ? { QUOTE_CACHE: 'naive', NAIVE_TTL_MS: String(o.ttlMs), BALANCE_INTERVAL_MS: '0' } : { BALANCE_INTERVAL_MS: '0' },
    ...(mode === 'protected' ? { policySpec: protectedPolicy(o.ttlMs) } : {}),
  });
  try {
    await getJson(`${stack.sim.url}/stats/reset`, 'POST');
    progress(`stampede/${mode}: ${o.ratePerSec} req/s for ${o.durationMs / 1000}s over ${STAMPEDE_SYMBOLS.join(' ')} (TTL ${o.ttlMs} ms)`);
    const load: LoadResult = await openLoop({
      targets: stack.pods.map((p) => p.url),
      paths: STAMPEDE_SYMBOLS.map((s) => `/quotes/${s}`),
      ratePerSec: o.ratePerSec,
      durationMs: o.durationMs,
    });
    const stats = (await getJson<{ perSymbol: Record<string, { ok: number; limited: number }>; limited: number }>(`${stack.sim.url}/stats`)).body;
    // Every TTL period in the window is one expiry, the initial fill included.
    const expiries = Math.ceil(o.durationMs / o.ttlMs);
    const hits = STAMPEDE_SYMBOLS.map((s) => (stats.perSymbol[s]?.ok ?? 0) + (stats.perSymbol[s]?.limited ?? 0));
    const total = hits.reduce((a, b) => a + b, 0);
    const perSec = new Map<number, number>();
    for (const [t, status] of load.events) if (status === 503) perSec.set(Math.floor(t / 1000), (perSec.get(Math.floor(t / 1000)) ?? 0) + 1);
    const r: StampedeMode = {
      mode,
      ttlMs: o.ttlMs,
      durationMs: o.durationMs,
      ratePerSec: o.ratePerSec,
      expiriesPerSymbol: expiries,
      upstreamHits: total,
      upstreamHitsPerSymbolPerExpiry: total / STAMPEDE_SYMBOLS.length / expiries,
      maxUpstreamHitsPerSymbolPerExpiry: Math.max(...hits) / expiries,
      upstream429: stats.limited,
      responses: load.byStatus,
      skipped: load.skipped,
      latency: load.latency,
      errorsPerSecond: Array.from({ length: Math.ceil(o.durationMs / 1000) }, (_, s) => [s, perSec.get(s) ?? 0]),
    };
    progress(`stampede/${mode}: upstream hits/symbol/expiry ${r.upstreamHitsPerSymbolPerExpiry.toFixed(2)}, upstream 429s ${r.upstream429}, responses ${JSON.stringify(r.responses)}, skipped ${r.skipped}, p50/p99 ${r.latency.p50Ms.toFixed(0)}/${r.latency.p99Ms.toFixed(0)} ms`);
    return r;
  } finally {
    await stack.stop();
  }
}

export async function stampede(quick: boolean): Promise<{ baseline: StampedeMode; protected: StampedeMode }> {
  const o = quick ? { ttlMs: 2000, durationMs: 8000, ratePerSec: 1200 } : { ttlMs: 5000, durationMs: 30_000, ratePerSec: 1200 };
  const baseline = await runMode('baseline', o);
  const prot = await runMode('protected', o);
  return { baseline, protected: prot };
}
