/**
 * The HTTP server's limits, chosen rather than inherited from Node's defaults (5 min request
 * timeout, 1 min for headers, no connection cap), each overridable by env with a validated
 * value. README.md ("Server limits") lists them.
 */
import type { Server } from 'node:http';
import { InvalidOptionError } from '../../lib/1-ground/errors.js';
import { envInt, type Env } from './env.js';

export interface ServerLimits {
  /** Time to receive the complete request head; bounds slow-header (slowloris) clients. */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request, body included. */
  readonly requestTimeoutMs: number;
  /** Open sockets at most; more are closed at accept (a herd is 5 000 requests, spread over pods). */
  readonly maxConnections: number;
  /** Headers read per request; the rest are dropped (Node's default is 2 000). */
  readonly maxHeadersCount: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 8192,
  maxHeadersCount: 100,
};

/** HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_MAX_CONNECTIONS, HTTP_MAX_HEADERS_COUNT. */
export function readServerLimits(env: Env, defaults: ServerLimits = DEFAULT_SERVER_LIMITS): ServerLimits {
  const limits: ServerLimits = {
    headersTimeoutMs: envInt(env, 'HTTP_HEADERS_TIMEOUT_MS', defaults.headersTimeoutMs, 1000, 600_000),
    requestTimeoutMs: envInt(env, 'HTTP_REQUEST_TIMEOUT_MS', defaults.requestTimeoutMs, 1000, 3_600_000),
    maxConnections: envInt(env, 'HTTP_MAX_CONNECTIONS', defaults.maxConnections, 16, 1_000_000),
    maxHeadersCount: envInt(env, 'HTTP_MAX_HEADERS_COUNT', defaults.maxHeadersCount, 16, 2000),
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    // Node refuses it too, but with a message that does not name the variables.
    throw new InvalidOptionError(
      'environment variable HTTP_HEADERS_TIMEOUT_MS',
      `at most HTTP_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
      limits.headersTimeoutMs,
    );
  }
  return limits;
}

export function applyServerLimits(server: Server, l: ServerLimits): void {
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.maxConnections = l.maxConnections;
  server.maxHeadersCount = l.maxHeadersCount;
}
