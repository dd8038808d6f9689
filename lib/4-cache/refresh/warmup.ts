/**
 * Gradual warmup: batches of `batchSize` keys, started no faster than `ratePerSecond`
 * keys per second on average, each through the normal fill path (single-flight + lease),
 * so a cold Redis is refilled without a herd of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How long to wait before starting the next batch, given `done` keys started since `startedAt`. Pure. */
export function warmupDelayMs(startedAt: number, now: number, done: number, ratePerSecond: number): number {
  return Math.max(0, startedAt + (done * 1000) / ratePerSecond - now);
}

export interface WarmupRun {
  readonly keys: readonly string[];
  readonly ratePerSecond: number;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
  readonly now: () => number;
  /** Loads one key; resolves true when it ended up cached, false when it failed. */
  readonly load: (key: string) => Promise<boolean>;
}

export async function runWarmup(run: WarmupRun): Promise<{ warmed: number; failed: number }> {
  let warmed = 0;
  let failed = 0;
  const startedAt = run.now();
  for (let i = 0; i < run.keys.length; i += run.batchSize) {
    const delay = warmupDelayMs(startedAt, run.now(), i, run.ratePerSecond);
    if (delay > 0 && !(await pause(delay, run.signal))) break;
    if (run.signal?.aborted) break;
    const batch = run.keys.slice(i, i + run.batchSize);
    const results = await Promise.all(batch.map((k) => run.load(k).catch(() => false)));
    const ok = results.filter(Boolean).length;
    warmed += ok;
    failed += results.length - ok;
  }
  return { warmed, failed };
}

/** Sleeps; false when aborted. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}
