/** Market-data failures, each with a stable code; the HTTP and WS layers branch on the class. */
import { HerdguardError } from '../../lib/1-ground/errors.js';
import { SYMBOL_PATTERN } from '../feed-simulator/universe.js';

export class MalformedSymbolError extends HerdguardError {
  constructor(got: string) {
    super('E_SYMBOL_MALFORMED', `symbol ${JSON.stringify(got)} is malformed; expected 1-10 characters matching ${SYMBOL_PATTERN.source}`, {
      got,
    });
  }
}

export class UnknownSymbolError extends HerdguardError {
  constructor(symbol: string) {
    super('E_SYMBOL_UNKNOWN', `symbol ${symbol} is not in the configured symbol list`, { symbol });
  }
}

/** The upstream vendor answered 429: its budget is spent. */
export class UpstreamLimitedError extends HerdguardError {
  readonly retryAfterMs: number;
  constructor(symbol: string, retryAfterMs: number) {
    super('E_UPSTREAM_LIMITED', `upstream rate-limited the request for ${symbol}; retry after ${retryAfterMs}ms`, {
      symbol,
      retryAfterMs,
    });
    this.retryAfterMs = retryAfterMs;
  }
}

/** The upstream answered something other than a quote, 404 or 429. */
export class UpstreamFailedError extends HerdguardError {
  constructor(symbol: string, detail: string, options?: { cause?: unknown }) {
    super('E_UPSTREAM_FAILED', `upstream failed for ${symbol}: ${detail}`, { symbol }, options);
  }
}
