/**
 * The warmup bucket: after a cold Redis, this instance warms its recent keys without ever
 * taking the origin past its share of the policy's warmup rate, organic misses included.
 */
import type { Registry } from 'prom-client';
import { sleepOn, systemClock, type Clock } from '../../../lib/1-ground/clock.js';
import { metrics } from '../../../lib/1-ground/metric-names.js';
import type { Cache, Factory } from '../../../lib/4-cache/cache/types.js';

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
