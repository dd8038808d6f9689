/** Time as the feed loops see it, injected so the lifecycle tests run on a fake clock. */
import { setTimeout as sleepTimer } from 'node:timers/promises';

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once (without throwing) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => (signal.aborted ? Promise.resolve() : sleepTimer(ms, undefined, { signal }).catch(() => undefined)),
};
