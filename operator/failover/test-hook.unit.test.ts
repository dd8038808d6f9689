import { describe, expect, it } from 'vitest';
import { testOnlyPauseFromEnv } from './controller.js';

describe('testOnlyPauseFromEnv', () => {
  it('is off unless the test-only variable names a step', () => {
    expect(testOnlyPauseFromEnv({})).toBeUndefined();
  });

  it('pauses after the named step, 30 s unless told otherwise', () => {
    expect(testOnlyPauseFromEnv({ HERDGUARD_TEST_ONLY_PAUSE_AFTER_STEP: 'Promoted' })).toEqual({ step: 'Promoted', ms: 30_000 });
    expect(testOnlyPauseFromEnv({ HERDGUARD_TEST_ONLY_PAUSE_AFTER_STEP: 'LabelMoved', HERDGUARD_TEST_ONLY_PAUSE_MS: '500' })).toEqual({
      step: 'LabelMoved',
      ms: 500,
    });
  });

  it('refuses an unknown step or a bad duration, naming what it accepts', () => {
    expect(() => testOnlyPauseFromEnv({ HERDGUARD_TEST_ONLY_PAUSE_AFTER_STEP: 'promoted' })).toThrow(/one of Chosen, Promoted/);
    expect(() => testOnlyPauseFromEnv({ HERDGUARD_TEST_ONLY_PAUSE_AFTER_STEP: 'Promoted', HERDGUARD_TEST_ONLY_PAUSE_MS: '-1' })).toThrow(
      /integer from 0 to 600000, got "-1"/,
    );
  });
});
