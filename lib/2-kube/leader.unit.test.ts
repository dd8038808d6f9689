import { describe, expect, it } from 'vitest';
import { holdsLease } from './leader.js';

/** Lease 15 s, margin 2 s: a leader that renewed at t=0 may act until just before t=13 s. */
const LEASE = 15_000;
const MARGIN = 2_000;

describe('the leader check before each mutating step', () => {
  it.each([
    { name: 'lets a leader act right after its renewal', renewedAt: 0, now: 1, expected: true },
    { name: 'lets a leader act until the lease less the skew margin has passed', renewedAt: 0, now: 12_999, expected: true },
    { name: 'stops a leader once only the skew margin is left: another replica may count faster', renewedAt: 0, now: 13_000, expected: false },
    { name: 'stops a leader whose renewal is long past (a hung renewal, a paused process)', renewedAt: 0, now: 60_000, expected: false },
    { name: 'stops a replica that never renewed', renewedAt: null, now: 0, expected: false },
    { name: 'stops a leader whose clock went backwards past its renewal', renewedAt: 10_000, now: 9_000, expected: false },
  ])('$name', ({ renewedAt, now, expected }) => {
    expect(holdsLease(renewedAt, now, LEASE, MARGIN)).toBe(expected);
  });
});
