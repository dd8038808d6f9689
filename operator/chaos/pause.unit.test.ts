import { describe, expect, it } from 'vitest';
import { pauseFromEnv, pausingSeams } from './pause.js';
import type { FailoverSeams } from '../failover/brain.js';

describe('pauseFromEnv', () => {
  it('is off unless the chaos variable names a step', () => {
    expect(pauseFromEnv({})).toBeUndefined();
  });

  it('pauses after the named step, 30 s unless told otherwise', () => {
    expect(pauseFromEnv({ HERDGUARD_CHAOS_PAUSE_AFTER_STEP: 'Promoted' })).toEqual({ step: 'Promoted', ms: 30_000 });
    expect(pauseFromEnv({ HERDGUARD_CHAOS_PAUSE_AFTER_STEP: 'LabelMoved', HERDGUARD_CHAOS_PAUSE_MS: '500' })).toEqual({
      step: 'LabelMoved',
      ms: 500,
    });
  });

  it('refuses an unknown step or a bad duration, naming what it accepts', () => {
    expect(() => pauseFromEnv({ HERDGUARD_CHAOS_PAUSE_AFTER_STEP: 'promoted' })).toThrow(/one of Chosen, Promoted/);
    expect(() => pauseFromEnv({ HERDGUARD_CHAOS_PAUSE_AFTER_STEP: 'Promoted', HERDGUARD_CHAOS_PAUSE_MS: '-1' })).toThrow(
      /integer from 0 to 600000, got "-1"/,
    );
  });

  it('holds after saving the named step of a promotion that replaces a primary, and saves first', async () => {
    const saved: string[] = [];
    const slept: number[] = [];
    const seams = { saveRecord: (r: { promotion: { step: string } | null }) => (saved.push(r.promotion?.step ?? 'none'), Promise.resolve()) } as unknown as FailoverSeams;
    const paused = pausingSeams({ step: 'Promoted', ms: 500 }, (ms) => (slept.push(ms), Promise.resolve()))(seams, 'redis');
    // A fresh StatefulSet's first primary (from: null) is never held.
    await paused.saveRecord({ promotion: { step: 'Promoted', from: null } } as never);
    for (const step of ['Chosen', 'Promoted', 'LabelMoved']) {
      await paused.saveRecord({ promotion: { step, from: 'redis-0' } } as never);
    }
    await paused.saveRecord({ promotion: null } as never);
    expect(saved).toEqual(['Promoted', 'Chosen', 'Promoted', 'LabelMoved', 'none']);
    expect(slept).toEqual([500]);
  });
});
