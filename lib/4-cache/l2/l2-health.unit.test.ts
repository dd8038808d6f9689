import { describe, expect, it } from 'vitest';
import { L2Health } from './l2-health.js';

describe('L2Health', () => {
  const make = () => {
    let t = 0;
    const h = new L2Health({ failureThreshold: 3, coolDownMs: 1000, monotonicNow: () => t });
    return { h, advance: (ms: number) => (t += ms) };
  };

  it('opens after three consecutive failures and lets one trial through after the cool-down', () => {
    const { h, advance } = make();
    for (let i = 0; i < 3; i++) h.failure();
    expect(h.allow()).toBe(false);
    advance(1000);
    expect(h.allow()).toBe(true); // the trial
    expect(h.allow()).toBe(false); // only one at a time
    h.success();
    expect(h.allow()).toBe(true);
    expect(h.open).toBe(false);
  });

  it('re-opens for another cool-down when the trial fails', () => {
    const { h, advance } = make();
    for (let i = 0; i < 3; i++) h.failure();
    advance(1000);
    expect(h.allow()).toBe(true);
    h.failure();
    expect(h.allow()).toBe(false);
    advance(1000);
    expect(h.allow()).toBe(true);
  });

  it('cools down on its own clock, so a cache whose logical clock is pinned recovers (regression: the aligned warm lost whole batches)', () => {
    let t = 0;
    const h = new L2Health({ failureThreshold: 3, coolDownMs: 50, monotonicNow: () => t });
    for (let i = 0; i < 3; i++) h.failure();
    t += 60; // only the breaker's own time moves
    expect(h.allow()).toBe(true);
  });
});
