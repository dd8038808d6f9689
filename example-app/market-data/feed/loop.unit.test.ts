import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/1-ground/log.js';
import { FeedHub } from './hub.js';
import { FakeClock } from '../../../testkit/fake-clock.js';
import { CountingQuotes, MemoryBus, MemoryLease, flush } from './testing.js';
import type { QuoteEvent, Receiver } from './types.js';

const INTERVAL = 1000;

/** Moves the clock on, then lets the loops it woke run their turn. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms);
  await flush();
}

function setup() {
  const clock = new FakeClock(0);
  const bus = new MemoryBus();
  const lease = new MemoryLease();
  const quotes = new CountingQuotes(clock);
  const registry = new Registry();
  const hub = new FeedHub({ clock, bus, lease, quotes, intervalMs: INTERVAL, logger: silentLogger, service: 'market-data', owner: 'pod-a', registry });
  return { clock, bus, lease, quotes, hub, registry };
}

class Collecting implements Receiver {
  readonly got: QuoteEvent[] = [];
  alive = true;
  deliver(e: QuoteEvent): boolean {
    if (!this.alive) return false;
    this.got.push(e);
    return true;
  }
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe('feed loop lifecycle (seed 002 regression)', () => {
  it('starts one loop on the first subscriber and stops it when the last subscriber leaves', async () => {
    const { clock, bus, lease, quotes, hub } = setup();
    const a = new Collecting();
    const b = new Collecting();
    const offA = hub.subscribe('AAPL', a);
    const offB = hub.subscribe('AAPL', b);
    await flush();
    expect(hub.stats()).toMatchObject({ loops: 1, receivers: 2, started: 1 });
    expect(a.got.length).toBeGreaterThan(0);

    offA();
    await advance(clock, INTERVAL);
    expect(hub.stats()).toMatchObject({ loops: 1, receivers: 1, stopped: 0 });

    offB();
    await flush();
    expect(hub.stats()).toMatchObject({ loops: 0, orphaned: 0, stopping: 0, stopped: 1 });
    expect(bus.handlers.size).toBe(0);
    expect(lease.holders.size).toBe(0);
    expect(clock.pending).toBe(0);

    // A stopped loop never polls again, however long we wait.
    const callsAtStop = quotes.calls;
    await advance(clock, INTERVAL * 100);
    expect(quotes.calls).toBe(callsAtStop);
  });

  it('stops the loop when a send fails and no receiver is left', async () => {
    const { clock, hub, bus, registry } = setup();
    const r = new Collecting();
    hub.subscribe('MSFT', r);
    await flush();
    r.alive = false; // the client went away without unsubscribing
    await advance(clock, INTERVAL); // next poll publishes a newer quote; fan-out finds nobody
    expect(hub.stats()).toMatchObject({ loops: 0, orphaned: 0, stopped: 1 });
    expect(bus.handlers.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(await metricValue(registry, 'herdguard_feed_loops_stopped_total', { reason: 'no_receivers' })).toBe(1);
  });

  it('keeps the loop for the remaining receivers when only one send fails', async () => {
    const { clock, hub } = setup();
    const dead = new Collecting();
    const live = new Collecting();
    hub.subscribe('NVDA', dead);
    hub.subscribe('NVDA', live);
    await flush();
    dead.alive = false;
    const before = live.got.length;
    await advance(clock, INTERVAL);
    expect(hub.stats()).toMatchObject({ loops: 1, receivers: 1 });
    expect(live.got.length).toBeGreaterThan(before);
  });

  it('leaves no loop, timer, lease or bus subscription after 10 000 subscribe/unsubscribe cycles over 500 symbols', async () => {
    const { clock, hub, bus, lease, registry } = setup();
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const open: Array<() => void> = [];
    for (let i = 0; i < 10_000; i++) {
      open.push(hub.subscribe(`S${Math.floor(rnd() * 500)}`, new Collecting()));
      // Close a random earlier subscription about as often as we open one.
      if (open.length > 50 || rnd() < 0.5) open.splice(Math.floor(rnd() * open.length), 1)[0]?.();
      if (i % 500 === 0) await advance(clock, INTERVAL);
    }
    for (const off of open.splice(0)) off();
    await flush();
    const s = hub.stats();
    expect(s).toMatchObject({ loops: 0, orphaned: 0, stopping: 0, receivers: 0 });
    expect(s.started).toBe(s.stopped);
    expect(bus.handlers.size).toBe(0);
    expect(lease.holders.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(await metricValue(registry, 'herdguard_feed_loops', { state: 'orphaned' })).toBe(0);
    expect(await metricValue(registry, 'herdguard_feed_loops', { state: 'subscribed' })).toBe(0);
  });

  it('stops every loop on shutdown and waits for each to release its lease', async () => {
    const { hub, lease, clock } = setup();
    for (const s of ['AAPL', 'MSFT', 'GOOGL']) hub.subscribe(s, new Collecting());
    await flush();
    expect(lease.holders.size).toBe(3);
    await hub.stopAll();
    expect(hub.stats()).toMatchObject({ loops: 0, stopping: 0, stopped: 3 });
    expect(lease.holders.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('treats a second unsubscribe call of the same subscription as a no-op', async () => {
    const { hub } = setup();
    const off = hub.subscribe('SPY', new Collecting());
    hub.subscribe('SPY', new Collecting());
    off();
    off();
    await flush();
    expect(hub.stats()).toMatchObject({ loops: 1, receivers: 1 });
  });
});
