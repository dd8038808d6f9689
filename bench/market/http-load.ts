/**
 * Open-loop HTTP load: requests are sent on a fixed schedule whether or not earlier ones
 * have answered (a closed loop would slow down exactly when the service struggles and
 * hide the herd). In-flight requests are capped; anything over the cap counts as skipped.
 */
import { Pool } from 'undici';
import { summarize, type LatencySummary } from '../lib/index.js';

export interface LoadResult {
  readonly sent: number;
  readonly skipped: number;
  readonly byStatus: Record<string, number>;
  /** [ms since start, status] per response, for plots. */
  readonly events: Array<readonly [number, number]>;
  readonly latency: LatencySummary;
}

export interface LoadOptions {
  readonly targets: readonly string[];
  readonly paths: readonly string[];
  readonly ratePerSec: number;
  readonly durationMs: number;
  readonly maxInflight?: number;
  /** Called once per request actually sent. */
  readonly onSend?: () => void;
}

export async function openLoop(o: LoadOptions): Promise<LoadResult> {
  const pools = o.targets.map((t) => new Pool(t, { connections: 64, pipelining: 1 }));
  const byStatus: Record<string, number> = {};
  const events: Array<readonly [number, number]> = [];
  const latencies: number[] = [];
  const inflight = new Set<Promise<void>>();
  const cap = o.maxInflight ?? 5000;
  const start = performance.now();
  let sent = 0;
  let skipped = 0;
  let i = 0;
  const tickMs = 10;
  try {
    for (let tick = 0; (tick + 1) * tickMs <= o.durationMs; tick++) {
      const due = Math.round(((tick + 1) * tickMs * o.ratePerSec) / 1000) - Math.round((tick * tickMs * o.ratePerSec) / 1000);
      for (let k = 0; k < due; k++, i++) {
        if (inflight.size >= cap) {
          skipped += 1;
          continue;
        }
        const pool = pools[i % pools.length] as Pool;
        const path = o.paths[Math.floor(i / pools.length) % o.paths.length] as string;
        sent += 1;
        o.onSend?.();
        const t = performance.now();
        const p: Promise<void> = pool
          .request({ method: 'GET', path })
          .then(async (r) => {
            await r.body.dump();
            return r.statusCode;
          }, () => -1)
          .then((status) => {
            byStatus[status] = (byStatus[status] ?? 0) + 1;
            events.push([performance.now() - start, status]);
            latencies.push(performance.now() - t);
          })
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
      const wait = start + (tick + 1) * tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inflight);
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return { sent, skipped, byStatus, events, latency: summarize(latencies) };
}
