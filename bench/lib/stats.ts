/** Small statistics helpers shared by the benchmarks. */

/** The q-quantile (0..1) of unsorted samples by nearest rank; NaN for no samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (!samples.length) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx] as number;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length ? (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number) : NaN;
  return { count: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: sorted.length ? (sorted.at(-1) as number) : NaN };
}

/** Buckets (t, value) events into fixed-width time bins; `reduce` turns each bin into one y. */
export function bin(
  events: ReadonlyArray<readonly [number, number]>,
  widthMs: number,
  reduce: (values: number[]) => number,
): Array<[number, number]> {
  const bins = new Map<number, number[]>();
  for (const [t, v] of events) {
    const k = Math.floor(t / widthMs);
    const list = bins.get(k);
    if (list) list.push(v);
    else bins.set(k, [v]);
  }
  return [...bins.entries()].sort((a, b) => a[0] - b[0]).map(([k, vs]) => [k * widthMs, reduce(vs)]);
}

/** min / median / max of a set of per-round figures. */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly rounds: number;
}

export function spread(values: readonly number[]): Spread {
  if (!values.length) return { min: NaN, median: NaN, max: NaN, rounds: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: sorted[0] as number,
    median: ((sorted[Math.floor((sorted.length - 1) / 2)] as number) + (sorted[Math.floor(sorted.length / 2)] as number)) / 2,
    max: sorted[sorted.length - 1] as number,
    rounds: sorted.length,
  };
}

/** Ops per second of `fn` run for about `budgetMs` (after a short warm-up). */
export async function opsPerSecond(fn: () => unknown, budgetMs: number, now: () => number = () => performance.now()): Promise<number> {
  for (let i = 0; i < 1000; i++) await fn();
  let n = 0;
  const start = now();
  let t = start;
  while (t - start < budgetMs) {
    for (let i = 0; i < 1000; i++) await fn();
    n += 1000;
    t = now();
  }
  return n / ((t - start) / 1000);
}
