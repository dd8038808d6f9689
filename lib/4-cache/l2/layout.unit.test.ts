import { describe, expect, it } from 'vitest';
import { CLUSTER_LAYOUT as L, hashTag, slotOf, STANDALONE_LAYOUT } from './layout.js';

/** The shards `redis-cli --cluster create` makes of 3 primaries: contiguous thirds of the slots. */
const shardOf = (slot: number) => (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);

describe('the cluster key layout', () => {
  const keys = ['user:1', 'quote:AAPL', '', '{already}tagged', 'odd}brace', 'sp ace', 'é'];

  it("puts a key's value, lease and epoch in one slot, whatever the key holds", () => {
    for (const k of keys) {
      const slot = slotOf(L.copy(k, 0));
      expect([slotOf(L.lease(k)), slotOf(L.epoch(k))]).toEqual([slot, slot]);
    }
  });

  it('tags a plain key with itself, and a key with braces or an empty key with a digest of it', () => {
    expect(L.copy('user:1', 0)).toBe('{user:1}');
    expect(L.lease('user:1')).toBe('hg:lease:{user:1}');
    expect(hashTag('{already}tagged')).toMatch(/^h[0-9a-f]{16}$/);
    expect(hashTag('')).not.toBe(hashTag('x'));
    expect(L.copy('odd}brace', 0)).toBe(`{${hashTag('odd}brace')}}:odd}brace`);
  });

  it("spreads a hot key's copies over distinct slots and over all three shards", () => {
    for (let i = 0; i < 200; i++) {
      const key = `hot:${i}`;
      const slots = Array.from({ length: 8 }, (_, c) => slotOf(L.copy(key, c)));
      expect(new Set(slots).size).toBe(8);
      expect(new Set(slots.map(shardOf)).size).toBe(3);
    }
  });

  it('names a copy the same way every time (a reader finds what a writer wrote)', () => {
    expect(L.copy('hot:1', 3)).toBe(L.copy('hot:1', 3));
    expect(L.copy('hot:1', 3)).toMatch(/^\{r[0-9a-z]+\}hg-replica:3:hot:1$/);
  });

  it('leaves standalone names as they were', () => {
    expect([STANDALONE_LAYOUT.copy('k', 0), STANDALONE_LAYOUT.copy('k', 2), STANDALONE_LAYOUT.lease('k'), STANDALONE_LAYOUT.epoch('k')]).toEqual([
      'k', 'k:hg-replica:2', 'hg:lease:k', 'hg:epoch',
    ]);
  });
});
