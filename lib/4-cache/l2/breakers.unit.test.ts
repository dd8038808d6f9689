import { describe, expect, it } from 'vitest';
import { Breakers, MAX_NODE_BREAKERS } from './breakers.js';

const fail = (b: ReturnType<Breakers['for']>, n: number) => {
  for (let i = 0; i < n; i++) b.onError();
};

describe('breakers', () => {
  it('one breaker for a standalone Redis: every name shares it', () => {
    const bs = new Breakers(null);
    expect(bs.for('a')).toBe(bs.for('b'));
    fail(bs.for('a'), 3);
    expect(bs.for('b').health.allow()).toBe(false);
    expect(bs.open).toBe(true);
  });

  it("one per cluster node: a dead node's breaker opens, the others' names go on", () => {
    const bs = new Breakers((name) => (name.startsWith('x') ? 'node-1:7000' : 'node-2:7000'));
    expect(bs.for('x1')).toBe(bs.for('x2'));
    fail(bs.for('x1'), 3);
    expect(bs.for('x2').health.allow()).toBe(false);
    expect(bs.for('y1').health.allow()).toBe(true);
    expect(bs.open).toBe(false); // Redis as a whole is not skipped
    fail(bs.for('y1'), 3);
    expect(bs.open).toBe(true);
  });

  it('decodes a hit and closes the breaker on success', () => {
    const bs = new Breakers(null);
    fail(bs.for('k'), 2);
    expect(bs.for('k').onText(null)).toBeNull();
    fail(bs.for('k'), 2);
    expect(bs.for('k').health.allow()).toBe(true); // the success reset the count
  });

  it('starts every breaker closed on a new client, and stays bounded', () => {
    let n = 0;
    const bs = new Breakers(() => `node-${n++}`);
    for (let i = 0; i < MAX_NODE_BREAKERS + 10; i++) fail(bs.for('k'), 3);
    bs.reset(() => 'node-0');
    expect(bs.for('k').health.allow()).toBe(true);
    expect(bs.open).toBe(false);
  });
});
