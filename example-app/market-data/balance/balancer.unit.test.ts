import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../lib/1-ground/log.js';
import { WsBalancer } from './balancer.js';
import type { FleetRegistry } from './fleet-registry.js';

const fleetOf = (counts: Record<string, number>) => ({ report: () => Promise.resolve(new Map(Object.entries(counts))), leave: () => Promise.resolve() }) as unknown as FleetRegistry;

describe('the balancer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('spreads a round of closes over ten slices of the interval instead of one burst', async () => {
    let own = 6300;
    const shedCalls: number[] = [];
    const b = new WsBalancer({
      pod: 'a', intervalMs: 1000, tolerance: 0.05, maxShedFraction: 0.25, logger: silentLogger,
      registry: fleetOf({ a: 6300, b: 1350, c: 1350 }),
      count: () => own,
      shed: (n) => (shedCalls.push(n), (own -= n), n),
    });
    expect(await b.round()).toBe(1575);
    expect(shedCalls).toEqual([158]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(shedCalls.reduce((a, n) => a + n, 0)).toBe(1575);
    expect(shedCalls.length).toBe(10);
    await b.stop();
  });

  it('refuses shed clients while above its shedding line, and admits them once below it', async () => {
    let own = 6300;
    const b = new WsBalancer({
      pod: 'a', intervalMs: 1000, tolerance: 0.05, maxShedFraction: 0.25, logger: silentLogger,
      registry: fleetOf({ a: 6300, b: 1350, c: 1350 }), count: () => own, shed: () => 0,
    });
    expect(b.admits()).toBe(true); // no snapshot yet: a lone pod takes everyone
    await b.round();
    expect(b.admits()).toBe(false);
    own = 3000;
    expect(b.admits()).toBe(true);
    await b.stop();
  });
});
