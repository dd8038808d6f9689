/**
 * One origin call with a hard timeout: the factory gets an AbortSignal that fires at the
 * deadline, and the caller stops waiting at the same moment even if the factory ignores it.
 */
import { OriginTimeoutError } from '../../1-ground/errors.js';

export interface OriginCallContext {
  readonly key: string;
  readonly signal: AbortSignal;
}

export async function callWithTimeout<T>(
  key: string,
  timeoutMs: number,
  fn: (ctx: OriginCallContext) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new OriginTimeoutError(key, timeoutMs);
      reject(err); // first: a factory that settles on abort must not win the race
      controller.abort(err);
    }, timeoutMs);
  });
  try {
    // race() handles a late rejection of the abandoned factory promise, so none goes unhandled.
    return await Promise.race([fn({ key, signal: controller.signal }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
