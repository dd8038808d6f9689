import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../testkit/cache/fake-clock.js';
import { l2DriverContract } from '../driver-contract.test-helpers.js';
import { MemoryStore } from './memory-driver.js';

l2DriverContract('in memory', () => {
  const clock = new FakeClock();
  const store = new MemoryStore({ now: () => clock.now() });
  return Promise.resolve({
    connect: () => Promise.resolve(store.connect('hg:filled:contract')),
    elapse: (ms) => Promise.resolve(clock.advance(ms)),
    raiseEpoch: (epoch) => Promise.resolve(void (store.epoch = epoch)),
    stop: () => Promise.resolve(void (store.down = true)),
    close: () => Promise.resolve(),
  });
});

describe('the in-memory L2 store', () => {
  it('holds at most maxKeys names, evicting the oldest write first', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ now: () => clock.now(), maxKeys: 3 });
    const d = store.connect('c');
    const env = (v: number) => ({ v, c: 0, e: 1, d: 0, f: `t${v}` });
    for (const i of [1, 2, 3]) await d.write(`k:${i}`, env(i), 60_000, 1, '');
    await d.write('k:1', env(10), 60_000, 1, ''); // rewritten: now the newest
    await d.write('k:4', env(4), 60_000, 1, '');
    expect(store.size).toBe(3);
    expect(await d.read('k:2', 0)).toBeNull();
    expect(
      (await Promise.all(['k:1', 'k:3', 'k:4'].map((k) => d.read(k, 0)))).map((e) => (e as { v: number }).v),
    ).toEqual([10, 3, 4]);
  });
});
