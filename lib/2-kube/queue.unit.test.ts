import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../testkit/fake-clock.js';
import { WorkQueue } from './queue.js';

describe('WorkQueue', () => {
  it('hands out a key once however many times it was added', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.depth).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never gives a key to a second worker while the first processes it, and re-queues it after done', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a'); // changed while processing
    expect(q.depth).toBe(0);
    q.done('a');
    expect(q.depth).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const next = q.get();
    q.add('x');
    expect(await next).toBe('x');
  });

  it('backs a failing key off exponentially and forgets the history after success', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, baseDelayMs: 10, maxDelayMs: 1000, qps: 1000, burst: 1000 });
    expect([1, 2, 3, 4].map(() => q.addRateLimited('k'))).toEqual([10, 20, 40, 80]);
    for (let i = 0; i < 20; i++) q.addRateLimited('k');
    expect(q.addRateLimited('k')).toBe(1000);
    q.forget('k');
    expect(q.addRateLimited('k')).toBe(10);
  });

  it('delivers a delayed key only when its time comes, keeping the earlier of two deadlines', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('k', 500);
    q.addAfter('k', 100);
    clock.advance(99);
    expect(q.depth).toBe(0);
    clock.advance(1);
    expect(q.depth).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('holds retries to the global rate once the burst is spent', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, baseDelayMs: 1, qps: 10, burst: 2 });
    expect(q.addRateLimited('a')).toBe(1);
    expect(q.addRateLimited('b')).toBe(1);
    expect(q.addRateLimited('c')).toBe(100);
    expect(q.addRateLimited('d')).toBe(200);
  });

  it('releases waiting workers and drops timers on shutdown', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const waiting = q.get();
    q.addAfter('k', 1000);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('refuses nonsensical options with a message naming the option', () => {
    expect(() => new WorkQueue({ qps: 0 })).toThrow(/expected WorkQueue qps to be a positive number, got 0/);
  });
});
