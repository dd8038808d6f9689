import { describe, expect, it } from 'vitest';
import { violations } from './invariants.js';

describe('e2e invariants', () => {
  it('accept a failover that kept one primary and labelled the new one', () => {
    expect(
      violations('redis-primary-kill', { maxPrimariesObserved: 1, newPrimaryLabelled: true, oldPrimaryRejoined: 'replica', promotionSeconds: 9 }),
    ).toEqual([]);
  });

  it('name the field, its value and what was expected when two primaries were seen', () => {
    expect(violations('operator-killed-mid-promotion', { completed: true, maxPrimariesObserved: 2 })).toEqual([
      'maxPrimariesObserved = 2, expected never two primaries',
    ]);
  });

  it('treat a missing figure as a violation, not a pass', () => {
    expect(violations('redis-planned-restart', { clientErrors: 0, maxPrimariesObserved: 1 })).toEqual([
      'acknowledgedWritesLost = null, expected no acknowledged write lost',
    ]);
  });

  it('never assert timing: a slow promotion alone is not a violation', () => {
    expect(violations('redis-primary-kill', { maxPrimariesObserved: 1, newPrimaryLabelled: true, oldPrimaryRejoined: 'replica', promotionSeconds: 60 })).toEqual([]);
  });
});
