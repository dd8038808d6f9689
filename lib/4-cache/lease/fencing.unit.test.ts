import { describe, expect, it } from 'vitest';
import { fenceDecision, tokenEpoch, writerMayTake, WRITER_TOKEN_PREFIX } from './fencing.js';

describe('fencing decision', () => {
  it.each([
    ['abc.1', 'abc.1', 'write', 'the writer still holds the lease'],
    [null, 'abc.1', 'rejected-expired', 'the lease expired and nobody holds it'],
    ['def.7', 'abc.1', 'rejected-superseded', 'another leader took over after expiry'],
    [
      `${WRITER_TOKEN_PREFIX}def.2`,
      'abc.1',
      'rejected-superseded',
      'a writer took the lease from this reader',
    ],
  ] as const)('holder %s, token %s: %s (%s)', (holder, token, expected, _why) => {
    expect(fenceDecision(holder, token)).toBe(expected);
  });

  it('lets a writer take the lease from a reader or a free lease, never from another writer', () => {
    expect(writerMayTake(null)).toBe(true);
    expect(writerMayTake('abc.1')).toBe(true);
    expect(writerMayTake(`${WRITER_TOKEN_PREFIX}abc.1`)).toBe(false);
  });

  it.each([
    ['abc.1@2', 'abc.1@2', 2, 'write', 'the holder was stamped at the current epoch'],
    ['abc.1@1', 'abc.1@1', 2, 'rejected-stale-epoch', 'a promotion happened since: the same token on a rewound node must not win'],
    [null, 'abc.1@1', 2, 'rejected-stale-epoch', 'an old token never writes after a promotion, even to a free lease'],
    ['abc.1', 'abc.1', 0, 'write', 'a token from before epochs on a node that never saw a promotion'],
  ] as const)('holder %s, token %s, node epoch %i: %s (%s)', (holder, token, epoch, expected, _why) => {
    expect(fenceDecision(holder, token, epoch)).toBe(expected);
  });

  it('reads the epoch a token was stamped with, 0 when there is none', () => {
    expect(tokenEpoch('w:abc.7@12')).toBe(12);
    expect(tokenEpoch('abc.7')).toBe(0);
    expect(tokenEpoch('abc.7@x')).toBe(0);
  });

  it("lets a writer take another writer's lease only when it dates from before the node's epoch", () => {
    expect(writerMayTake(`${WRITER_TOKEN_PREFIX}abc.1@1`, 2)).toBe(true);
    expect(writerMayTake(`${WRITER_TOKEN_PREFIX}abc.1@2`, 2)).toBe(false);
  });
});
