/** A settable clock for tests: time moves only when the test says so. */
export class FakeClock {
  constructor(private t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

export { seededRandom } from '../../lib/1-ground/random.js';
