import { describe, expect, it } from 'vitest';
import { suspectWindow } from './suspect-window.js';

const timing = { detectAfterMs: 1500, checkIntervalMs: 250 };

describe('suspectWindow', () => {
  const cases: Array<{ name: string; learnedAt: number; lostAt: number | null; want: [number, number] }> = [
    {
      name: 'starts a lag margin before the moment this service lost the primary',
      learnedAt: 10_000,
      lostAt: 7_900,
      want: [6_900, 10_000],
    },
    {
      name: 'starts at the earliest the operator could have declared the loss when the service never noticed it',
      learnedAt: 10_000,
      lostAt: null,
      want: [7_000, 10_000],
    },
    {
      name: 'takes the earlier of the two when the service lost the primary only late',
      learnedAt: 10_000,
      lostAt: 9_500,
      want: [7_000, 10_000],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(suspectWindow(c.learnedAt, c.lostAt, timing)).toEqual(c.want);
    });
  }
});
