import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.js';

describe('RecentKeys', () => {
  it('remembers the most recently served keys first, bounded', () => {
    const r = new RecentKeys(3);
    for (const k of ['a', 'b', 'c', 'd', 'b']) r.touch(k);
    expect(r.top(10)).toEqual(['b', 'd', 'c']);
    expect(r.top(2)).toEqual(['b', 'd']);
  });
});
