/**
 * The vendor client: one GET per quote over a keep-alive pool, aborted by the caller's
 * signal. 404 becomes NOT_FOUND (cached negatively by the cache), 429 a typed error that
 * carries the vendor's Retry-After.
 */
import { Pool } from 'undici';
import { toQuote, type Quote } from './quote.js';
import { UpstreamFailedError, UpstreamLimitedError } from './errors.js';

export const UPSTREAM_NOT_FOUND = Symbol('upstream-not-found');

export interface Upstream {
  fetchQuote(symbol: string, signal?: AbortSignal): Promise<Quote | typeof UPSTREAM_NOT_FOUND>;
  close(): Promise<void>;
}

function retryAfterMs(headers: Record<string, string | string[] | undefined>): number {
  const ms = Number(headers['retry-after-ms']);
  if (Number.isFinite(ms) && ms > 0) return ms;
  const s = Number(headers['retry-after']);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 1000;
}

export function createUpstream(baseUrl: string, connections = 32): Upstream {
  const pool = new Pool(baseUrl, { connections, pipelining: 1 });
  return {
    async fetchQuote(symbol, signal) {
      const res = await pool.request({ method: 'GET', path: `/quote/${encodeURIComponent(symbol)}`, signal: signal ?? null });
      if (res.statusCode === 404) {
        await res.body.dump();
        return UPSTREAM_NOT_FOUND;
      }
      if (res.statusCode === 429) {
        await res.body.dump();
        throw new UpstreamLimitedError(symbol, retryAfterMs(res.headers));
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new UpstreamFailedError(symbol, `HTTP ${res.statusCode}`);
      }
      const q = toQuote(await res.body.json());
      if (!q) throw new UpstreamFailedError(symbol, 'the body is not a quote');
      return q;
    },
    close: () => pool.close(),
  };
}
