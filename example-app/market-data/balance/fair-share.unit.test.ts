import { describe, expect, it } from 'vitest';
import { admits, connectionsToShed } from './fair-share.js';

const o = { tolerance: 0.05, maxShedFraction: 0.25 };

describe('connections a pod sheds', () => {
  it.each([
    ['a lone pod never sheds', 100, [100], 0, 0],
    ['a pod within 5 % of the mean keeps everyone', 104, [104, 100, 96], 0, 0],
    ['a pod far above the mean sheds at most a quarter of its connections per round', 6300, [6300, 1350, 1350], 0, 1575],
    ['a pod a little above the tolerance sheds down to half the tolerance above the mean', 110, [110, 95, 95], 0, 7],
    ['a pod below the mean sheds nothing', 50, [50, 100, 150], 0, 0],
    ['clients closed last round still count toward the mean, so the pod sheds 72 rather than 175', 1200, [1200, 900, 900], 300, 72],
  ])('%s', (_name, own, fleet, inFlight, expected) => {
    expect(connectionsToShed(own, fleet, o, inFlight)).toBe(expected);
  });
});

describe('whether a pod admits a new connection', () => {
  it.each([
    ['a lone pod admits', 100, [100], true],
    ['a pod below the shedding line admits', 104, [104, 100, 96], true],
    ['a pod at the shedding line refuses, so the load balancer tries another', 105, [105, 100, 95], false],
    ['a pod far above the mean refuses', 6300, [6300, 1350, 1350], false],
    ['a pod that grew past a stale line refuses until the next round moves the line', 106, [100, 100, 100], false],
  ])('%s', (_name, own, fleet, expected) => {
    expect(admits(own, fleet, o.tolerance)).toBe(expected);
  });
});
