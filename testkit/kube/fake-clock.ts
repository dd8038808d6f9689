/** A manual clock for pure units: time moves only when the test says so. */
import type { Clock, Timer } from '../../lib/1-ground/clock.js';

export class FakeClock implements Clock {
  private t: number;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): Timer {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  /** Moves time forward, firing due timers in order. */
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
  get pending(): number {
    return this.timers.filter((x) => x.live).length;
  }
}
