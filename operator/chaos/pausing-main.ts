/**
 * The operator with a pause after one promotion step, for the chaos test that kills the leader
 * mid-promotion. Shipped in the operator image so the test runs the image users run, but only
 * ever started by overriding the container's args (chart value operator.args).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runOperator } from '../run.js';
import { pauseFromEnv, pausingSeams } from './pause.js';

function start(): Promise<void> {
  const pause = pauseFromEnv(process.env);
  if (!pause) throw new Error('pausing-main needs HERDGUARD_CHAOS_PAUSE_AFTER_STEP (use operator/main.js otherwise)');
  console.warn(JSON.stringify({ level: 'warn', msg: 'chaos entry point: promotions pause after a step', ...pause }));
  return runOperator({ decorateFailoverSeams: pausingSeams(pause, (ms) => sleep(ms)) });
}

start().catch((err: unknown) => {
  console.error(JSON.stringify({ level: 'error', msg: 'operator failed to start', err: String(err) }));
  process.exit(1);
});
