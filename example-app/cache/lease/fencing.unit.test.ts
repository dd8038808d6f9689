import { describe, expect, it } from 'vitest';
import { fenceDecision, writerMayTake, WRITER_TOKEN_PREFIX } from './fencing.js';

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
});
