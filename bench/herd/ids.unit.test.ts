import { describe, expect, it } from 'vitest';
import { sampleIds } from './ids.js';
import { policyDocument, MODES } from './modes.js';
import { parsePolicyDocument } from '../../lib/3-policy/load.js';

describe('herd id samplers', () => {
  it('draws the same ids for the same seed', () => {
    expect(sampleIds('zipf', 100, 1000, 7)).toEqual(sampleIds('zipf', 100, 1000, 7));
  });

  it('keeps every id within 1..users', () => {
    for (const d of ['uniform', 'zipf'] as const) {
      const ids = sampleIds(d, 5000, 300, 1);
      expect(Math.min(...ids)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...ids)).toBeLessThanOrEqual(300);
    }
  });

  it('makes zipf ids far more repetitive than uniform ones', () => {
    const distinct = (d: 'uniform' | 'zipf') => new Set(sampleIds(d, 5000, 10_000, 4)).size;
    expect(distinct('zipf')).toBeLessThan(distinct('uniform') / 2);
  });
});

describe('herd mode policies', () => {
  it.each(MODES)('renders a valid policy for mode %s', (mode) => {
    const { policy } = parsePolicyDocument(policyDocument(mode, { ttlMs: 1500, l1TtlMs: 500 }, 3));
    expect(policy.generation).toBe(3);
    expect(policy.keyspaces[0]?.ttlMs).toBe(1500);
  });
});
