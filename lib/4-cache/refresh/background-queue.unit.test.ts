import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackgroundQueue, floorRatePerSec, type BackgroundQueueOptions } from './background-queue.js';

const TICK = 20;

/** A queue on a fake monotonic clock whose timers advance it; utilization is set by the test. */
function setup(over: Partial<BackgroundQueueOptions> = {}) {
  let now = 1000;
  let utilization = 0;
  let originBusy = false;
  let lateMs = 0;
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const errors: string[] = [];
  const q = new BackgroundQueue({
    concurrency: 100,
    maxPending: 1000,
    onError: (key) => errors.push(key),
    utilization: () => utilization,
    originBusy: () => originBusy,
    monotonicNow: () => now,
    tickMs: TICK,
    ...over,
  });
  /** A task that runs until the test opens its gate. */
  const task = (key: string) => () => {
    started.push(key);
    return new Promise<void>((resolve) => gates.set(key, resolve));
  };
  const finish = async (key: string) => {
    gates.get(key)?.();
    await vi.advanceTimersByTimeAsync(0);
  };
  /** Advances `ms` of ticks; each tick fires `lateMs` late on the monotonic clock. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += TICK) {
      now += TICK + lateMs;
      await vi.advanceTimersByTimeAsync(TICK);
    }
  };
  /** Gets the queue to judge the loop busy: something must wait for the pacing timer to run. */
  const makeBusy = async (u = 0.9) => {
    originBusy = true;
    q.schedule('held', task('held'), 100_000);
    utilization = u;
    now += TICK;
    await vi.advanceTimersByTimeAsync(TICK);
    originBusy = false;
  };
  return {
    q,
    started,
    makeBusy,
    errors,
    task,
    finish,
    run,
    busy: (u: number) => void (utilization = u),
    setOriginBusy: (b: boolean) => void (originBusy = b),
    late: (ms: number) => void (lateMs = ms),
  };
}

describe('background refresh queue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts a refresh at once while the machine has room, and close() waits for it', async () => {
    const t = setup();
    expect(t.q.schedule('k:1', t.task('k:1'), 10_000)).toBe(true);
    expect(t.started).toEqual(['k:1']);
    let closed = false;
    const closing = t.q.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    await t.finish('k:1');
    await closing;
    expect(closed).toBe(true);
  });

  it('never runs more than its concurrency; the next starts when one finishes', async () => {
    const t = setup({ concurrency: 2 });
    for (const k of ['a', 'b', 'c']) t.q.schedule(k, t.task(k));
    expect(t.started).toEqual(['a', 'b']);
    await t.finish('a');
    expect(t.started).toEqual(['a', 'b', 'c']);
  });

  it('refuses a key already waiting or running, and anything beyond maxPending', () => {
    const t = setup({ concurrency: 1, maxPending: 2 });
    expect(t.q.schedule('a', t.task('a'))).toBe(true); // running
    expect(t.q.schedule('a', t.task('a'))).toBe(false);
    expect(t.q.schedule('b', t.task('b'))).toBe(true);
    expect(t.q.schedule('b', t.task('b'))).toBe(false);
    expect(t.q.schedule('c', t.task('c'))).toBe(true);
    expect(t.q.schedule('d', t.task('d'))).toBe(false); // two already wait
    expect(t.q.waiting).toBe(2);
  });

  it('while serving keeps the loop busy, starts refreshes only at the floor rate that meets their deadline', async () => {
    const t = setup();
    await t.makeBusy();
    const before = t.started.length;
    for (let i = 0; i < 400; i++) t.q.schedule(`w${i}`, t.task(`w${i}`), 20_000);
    // 400 waiting, due in 20 s: 20 starts per second keep the deadline.
    await t.run(1000);
    const started = t.started.length - before;
    expect(started).toBeGreaterThanOrEqual(18);
    expect(started).toBeLessThanOrEqual(22);
  });

  it('goes back to free rein shortly after the loop has room again', async () => {
    const t = setup();
    await t.makeBusy();
    for (let i = 0; i < 50; i++) t.q.schedule(`w${i}`, t.task(`w${i}`), 100_000);
    t.busy(0.1);
    await t.run(60);
    expect(t.q.waiting).toBeGreaterThan(40); // the busy verdict holds 100 ms
    await t.run(100);
    expect(t.q.waiting).toBe(0);
    expect(t.started).toHaveLength(51);
  });

  it('starts every waiting refresh once its deadline has passed, busy or not', async () => {
    const t = setup();
    await t.makeBusy(1);
    for (let i = 0; i < 90; i++) t.q.schedule(`w${i}`, t.task(`w${i}`), 500);
    await t.run(400);
    expect(t.q.waiting).toBeGreaterThan(10); // paced just in time: what is left shrinks toward the deadline
    await t.run(200);
    expect(t.q.waiting).toBe(0);
  });

  it('counts a timer that fires late as busy: other processes hold the cores', async () => {
    const t = setup();
    t.setOriginBusy(true);
    t.q.schedule('held', t.task('held'), 100_000);
    t.late(10);
    await t.run(TICK);
    t.setOriginBusy(false);
    for (let i = 0; i < 100; i++) t.q.schedule(`w${i}`, t.task(`w${i}`), 100_000);
    expect(t.started).toEqual([]);
  });

  it('holds refreshes back while callers wait at the origin guard', () => {
    const t = setup();
    t.setOriginBusy(true);
    t.q.schedule('a', t.task('a'), 100_000);
    expect(t.started).toEqual([]);
    t.setOriginBusy(false);
    t.q.schedule('b', t.task('b'), 100_000);
    expect(t.started).toEqual(['a', 'b']);
  });

  it('refreshes a key asked for again and again while it waits first, unpaced', async () => {
    const t = setup();
    await t.makeBusy(1);
    t.q.schedule('hot', t.task('hot'), 100_000);
    expect(t.q.sighted('hot')).toBe(true);
    expect(t.started).toEqual([]);
    expect(t.q.sighted('hot')).toBe(true); // third sighting
    expect(t.started).toEqual(['hot']);
    expect(t.q.sighted('never-scheduled')).toBe(false);
  });

  it('reports a failed refresh and goes on with the next', async () => {
    const t = setup({ concurrency: 1 });
    t.q.schedule('bad', () => Promise.reject(new Error('origin down')));
    t.q.schedule('good', t.task('good'));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.errors).toEqual(['bad']);
    expect(t.started).toEqual(['good']);
  });

  it('stops its pacing timer when nothing waits, and on close', async () => {
    const t = setup({ concurrency: 1 });
    t.q.schedule('a', t.task('a'));
    expect(vi.getTimerCount()).toBe(0);
    t.q.schedule('b', t.task('b'));
    expect(vi.getTimerCount()).toBe(1);
    await t.finish('a'); // b starts: nothing waits
    expect(vi.getTimerCount()).toBe(0);
    t.q.schedule('c', t.task('c'));
    expect(vi.getTimerCount()).toBe(1);
    const closing = t.q.close();
    expect(vi.getTimerCount()).toBe(0);
    await t.finish('b');
    await closing;
  });

  it('follows a new concurrency and refuses a bad one with what it got', async () => {
    const t = setup({ concurrency: 1 });
    for (const k of ['a', 'b', 'c']) t.q.schedule(k, t.task(k));
    t.q.setConcurrency(3);
    expect(t.started).toEqual(['a', 'b', 'c']);
    expect(() => t.q.setConcurrency(0)).toThrow('expected concurrency to be an integer ≥ 1, got 0');
    for (const k of ['a', 'b', 'c']) await t.finish(k);
    await t.q.close();
  });

  it.each([
    { pending: 0, dueAt: 5000, now: 0, rate: 0, why: 'nothing waits' },
    { pending: 100, dueAt: 5000, now: 0, rate: 20, why: '100 over 5 s' },
    { pending: 1000, dueAt: 10_000, now: 0, rate: 100, why: '1000 over 10 s' },
    { pending: 10, dueAt: 10_000, now: 0, rate: 20, why: 'never below the minimum' },
    { pending: 10, dueAt: 1000, now: 1000, rate: Infinity, why: 'the deadline has come' },
  ])('floor rate: $why', ({ pending, dueAt, now, rate }) => {
    expect(floorRatePerSec(pending, dueAt, now)).toBe(rate);
  });
});
