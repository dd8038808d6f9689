import { describe, expect, it } from 'vitest';
import { spread } from './stats.js';

describe('spread of per-round figures', () => {
  it.each([
    { values: [3, 1, 2], expected: { min: 1, median: 2, max: 3, rounds: 3 } },
    { values: [4, 1, 3, 2], expected: { min: 1, median: 2.5, max: 4, rounds: 4 } },
    { values: [1.05], expected: { min: 1.05, median: 1.05, max: 1.05, rounds: 1 } },
  ])('min, median and max of $values', ({ values, expected }) => {
    expect(spread(values)).toEqual(expected);
  });

  it('is NaN over no rounds', () => {
    expect(spread([]).rounds).toBe(0);
    expect(spread([]).median).toBeNaN();
  });
});
