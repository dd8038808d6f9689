/**
 * Last-resort handlers for a service process: an exception or rejection that escaped every
 * handler is logged and counted (`herdguard_process_uncaught_errors_total`), and the process
 * keeps serving. Ending it would let one bad input take down every replica in turn; the
 * counter is what alerts, and the fuzz suite asserts it stays at 0, so nothing passes by
 * being swallowed here.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../../lib/1-ground/log.js';
import { metrics } from '../../lib/1-ground/metric-names.js';
import { counter } from '../../lib/1-ground/prom.js';

export type EscapedKind = 'uncaught_exception' | 'unhandled_rejection';

export interface ProcessGuard {
  /** Removes the handlers (the owner's shutdown). */
  remove(): void;
}

export function installProcessGuard(o: { service: string; registry: Registry; logger: Logger }): ProcessGuard {
  const escaped = counter(o.registry, metrics.processUncaughtErrors);
  // Both series exist from start-up so increase() sees the first one.
  for (const kind of ['uncaught_exception', 'unhandled_rejection'] as const) escaped.inc({ service: o.service, kind }, 0);
  const record = (kind: EscapedKind, err: unknown) => {
    escaped.inc({ service: o.service, kind });
    const stack = err instanceof Error ? err.stack?.split('\n').slice(0, 6).join('\n') : undefined;
    o.logger.error('escaped error: a bug, counted and survived', { kind, err, stack, problem: err instanceof Error ? undefined : String(err) });
  };
  const onException = (err: Error) => record('uncaught_exception', err);
  const onRejection = (reason: unknown) => record('unhandled_rejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    remove: () => {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}
