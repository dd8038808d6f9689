/**
 * The one fake clock of the tests. It implements the Clock of lib/1-ground, so whatever
 * takes a clock (the kube queue, the failover brain, the feed loops, the cache's `now()`)
 * runs on it.
 *
 * - **manual** (the default): time moves only when the test says so; `advance` and `set`
 *   fire the timers that fall due, in order.
 * - **stepping**: each timer moves time by its own delay at once and fires after a brief
 *   real pause, for code that sleeps between real I/O (a Redis reply must still arrive).
 */
import type { Clock, Timer } from '../lib/1-ground/clock.js';

interface Pending {
  readonly at: number;
  readonly fn: () => void;
  live: boolean;
}

/** A stepping timer fires after at most this long in real time. */
const STEP_PAUSE_MS = 10;

export class FakeClock implements Clock {
  private t: number;
  private timers: Pending[] = [];

  constructor(
    start = 1_700_000_000_000,
    private readonly mode: 'manual' | 'stepping' = 'manual',
  ) {
    this.t = start;
  }

  /** A clock whose timers move time themselves (see above). */
  static stepping(start = 1_000_000): FakeClock {
    return new FakeClock(start, 'stepping');
  }

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): Timer {
    if (this.mode === 'stepping') {
      this.t += ms;
      const real = setTimeout(fn, Math.min(ms, STEP_PAUSE_MS));
      return { cancel: () => clearTimeout(real) };
    }
    const timer: Pending = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }

  /** Moves time forward by `ms`, firing due timers in order, each at its own time. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      due.live = false;
      due.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }

  /** Jumps to `ms`: forward like advance, backward (a clock stepped back) without firing anything. */
  set(ms: number): void {
    if (ms >= this.t) this.advance(ms - this.t);
    else this.t = ms;
  }

  /** Manual timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.filter((x) => x.live).length;
  }
}
