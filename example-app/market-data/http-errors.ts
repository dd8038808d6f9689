/** Maps quote-path failures to HTTP answers that say what happened and when to retry. */
import { HerdguardError, LeaseWaitTimeoutError, NotFoundError, OriginRejectedError, OriginTimeoutError } from '../../lib/1-ground/errors.js';
import { HttpError } from '../service-kit/http.js';
import { MalformedSymbolError, UnknownSymbolError, UpstreamLimitedError } from './errors.js';

function limitedIn(err: unknown): UpstreamLimitedError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof UpstreamLimitedError) return e;
  }
  return undefined;
}

const unavailable = (message: string, retryAfterMs: number) =>
  new HttpError(503, 'upstream_unavailable', message, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) });

export function toHttpError(err: unknown): unknown {
  if (err instanceof MalformedSymbolError) return new HttpError(400, 'malformed_symbol', err.message);
  if (err instanceof UnknownSymbolError || err instanceof NotFoundError) {
    return new HttpError(404, 'unknown_symbol', err instanceof NotFoundError ? 'the upstream does not know this symbol' : err.message);
  }
  const limited = limitedIn(err);
  if (limited) return unavailable('the upstream is rate-limiting us and no stale quote is available', limited.retryAfterMs);
  if (err instanceof OriginRejectedError) {
    return unavailable('the upstream is protected right now (circuit open or queue full) and no stale quote is available', Number(err.context['retryAfterMs']) || 1000);
  }
  if (err instanceof OriginTimeoutError || err instanceof LeaseWaitTimeoutError || err instanceof HerdguardError) {
    return unavailable(`the quote is not available right now (${err.code})`, 1000);
  }
  return err;
}
