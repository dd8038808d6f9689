import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../lib/1-ground/errors.js';
import { applyServerLimits, DEFAULT_SERVER_LIMITS, readServerLimits } from './limits.js';

describe('HTTP server limits', () => {
  it('uses the chosen defaults when no variable is set', () => {
    expect(readServerLimits({})).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 8192, maxHeadersCount: 100 });
  });

  it('reads each limit from its variable and applies them to the server', () => {
    const l = readServerLimits({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '4000', HTTP_MAX_CONNECTIONS: '64', HTTP_MAX_HEADERS_COUNT: '32' });
    const server = createServer();
    applyServerLimits(server, l);
    expect([server.headersTimeout, server.requestTimeout, server.maxConnections, server.maxHeadersCount]).toEqual([2000, 4000, 64, 32]);
  });

  it.each([
    [{ HTTP_HEADERS_TIMEOUT_MS: '0' }, 'HTTP_HEADERS_TIMEOUT_MS'],
    [{ HTTP_REQUEST_TIMEOUT_MS: 'soon' }, 'HTTP_REQUEST_TIMEOUT_MS'],
    [{ HTTP_MAX_CONNECTIONS: '-1' }, 'HTTP_MAX_CONNECTIONS'],
    [{ HTTP_MAX_HEADERS_COUNT: '5000' }, 'HTTP_MAX_HEADERS_COUNT'],
    [{ HTTP_HEADERS_TIMEOUT_MS: '60000', HTTP_REQUEST_TIMEOUT_MS: '30000' }, 'at most HTTP_REQUEST_TIMEOUT_MS'],
  ])('refuses %j naming the variable', (env, name) => {
    expect(() => readServerLimits(env)).toThrow(InvalidOptionError);
    expect(() => readServerLimits(env)).toThrow(name);
  });

  it('lets a service raise a default (market-data sizes its connection cap from the WebSocket cap)', () => {
    expect(readServerLimits({}, { ...DEFAULT_SERVER_LIMITS, maxConnections: 21_024 }).maxConnections).toBe(21_024);
  });
});
