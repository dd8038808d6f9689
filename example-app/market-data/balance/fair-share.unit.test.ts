import { describe, expect, it } from 'vitest';
import { connectionsToShed } from './fair-share.js';

const o = { tolerance: 0.05, maxShedFraction: 0.25 };

describe('connections a pod sheds', () => {
  it.each([
    ['a lone pod never sheds', 100, [100], 0],
    ['a pod within 5 % of the mean keeps everyone', 104, [104, 100, 96], 0],
    ['a pod far above the mean sheds at most a quarter of its connections per round', 6300, [6300, 1350, 1350], 1575],
    ['a pod a little above the tolerance sheds down to the mean', 110, [110, 95, 95], 10],
    ['a pod below the mean sheds nothing', 50, [50, 100, 150], 0],
  ])('%s', (_name, own, fleet, expected) => {
    expect(connectionsToShed(own, fleet, o)).toBe(expected);
  });
});
