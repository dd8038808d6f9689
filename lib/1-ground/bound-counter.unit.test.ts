import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { boundChild } from './bound-counter.js';

function build() {
  const registry = new Registry();
  const counter = new Counter({ name: 'hg_test_total', help: 'test', labelNames: ['tier', 'result'], registers: [registry] });
  return { registry, counter };
}

describe('bound counter children', () => {
  it('show every increment to each reader of the counter, as the same series as a prom-client child', async () => {
    const { registry, counter } = build();
    const hit = boundChild(counter, { tier: 'l1', result: 'hit' });
    hit.inc();
    hit.inc(2);
    counter.labels({ tier: 'l1', result: 'hit' }).inc();
    expect((await counter.get()).values).toEqual([{ value: 4, labels: { tier: 'l1', result: 'hit' } }]);
    hit.inc();
    expect(await registry.metrics()).toContain('hg_test_total{tier="l1",result="hit"} 5');
  });

  it('give the same child for the same label set, whatever the key order', async () => {
    const { counter } = build();
    const a = boundChild(counter, { tier: 'l2', result: 'miss' });
    const b = boundChild(counter, { result: 'miss', tier: 'l2' });
    expect(a).toBe(b);
    a.inc();
    b.inc();
    expect((await counter.get()).values[0]?.value).toBe(2);
  });

  it('keep a collect function the counter already had', async () => {
    const registry = new Registry();
    let collected = 0;
    const counter = new Counter({
      name: 'hg_test_total',
      help: 'test',
      labelNames: ['tier'],
      registers: [registry],
      collect() {
        collected++;
      },
    });
    boundChild(counter, { tier: 'l1' }).inc();
    await registry.metrics();
    expect(collected).toBe(1);
  });

  it('refuse a negative or non-finite increment where it is made', () => {
    const child = boundChild(build().counter, { tier: 'l1', result: 'hit' });
    expect(() => child.inc(-1)).toThrow('expected a finite increment ≥ 0, got -1');
    expect(() => child.inc(Number.NaN)).toThrow(RangeError);
    expect(() => child.inc(Infinity)).toThrow(RangeError);
  });
});
