/**
 * A chaos test's way to catch the leader between two promotion steps: after the brain records
 * `step`, its next seam call waits `ms`, so the test can kill -9 the leader right there
 * (e2e operator-killed-mid-promotion). Lives beside its own entry point, never in the brain.
 */
import type { FailoverSeams } from '../failover/brain.js';
import type { SeamsDecorator } from '../failover/controller.js';
import { STEPS, type Step } from '../failover/promotion.js';

export interface PauseAfterStep {
  readonly step: Step;
  readonly ms: number;
}

export const PAUSE_STEP_ENV = 'HERDGUARD_CHAOS_PAUSE_AFTER_STEP';
export const PAUSE_MS_ENV = 'HERDGUARD_CHAOS_PAUSE_MS';
const MAX_PAUSE_MS = 600_000;

/** Reads the pause from the environment; a bad value names the variable and what it accepts. */
export function pauseFromEnv(env: Readonly<Record<string, string | undefined>>): PauseAfterStep | undefined {
  const step = env[PAUSE_STEP_ENV];
  if (!step) return undefined;
  if (!(STEPS as readonly string[]).includes(step)) {
    throw new RangeError(`expected ${PAUSE_STEP_ENV} to be one of ${STEPS.join(', ')}, got ${JSON.stringify(step)}`);
  }
  const ms = Number(env[PAUSE_MS_ENV] ?? 30_000);
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_PAUSE_MS) {
    throw new RangeError(`expected ${PAUSE_MS_ENV} to be an integer from 0 to ${MAX_PAUSE_MS}, got ${JSON.stringify(env[PAUSE_MS_ENV])}`);
  }
  return { step: step as Step, ms };
}

/**
 * Seams that hold after saving a record whose promotion reached `pause.step`, when it replaces
 * a primary (`from` set): a fresh StatefulSet's first primary is chosen by a promotion too, and
 * holding that one would keep the stack from ever coming up.
 */
export function pausingSeams(pause: PauseAfterStep, sleep: (ms: number) => Promise<void>): SeamsDecorator {
  return (seams: FailoverSeams): FailoverSeams => ({
    ...seams,
    saveRecord: async (record) => {
      await seams.saveRecord(record);
      if (record.promotion?.step === pause.step && record.promotion.from !== null) await sleep(pause.ms);
    },
  });
}
