/**
 * A service process's HTTP server: the app's routes plus /metrics, /healthz and /readyz,
 * HTTP metrics labelled by route pattern (bounded), deliberate limits (limits.ts), JSON
 * answers to unparseable requests, and a graceful close that stops accepting, drains
 * in-flight requests, then runs the owner's shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../../lib/1-ground/log.js';
import { metrics } from '../../lib/1-ground/metric-names.js';
import { counter, histogram } from '../../lib/1-ground/prom.js';
import { answerClientErrors, CLIENT_ERROR_CODES, type InFlight } from './client-errors.js';
import { HttpError, Router, sendError, sendJson, type Route } from './http.js';
import { applyServerLimits, DEFAULT_SERVER_LIMITS, type ServerLimits } from './limits.js';
import { parseRequestTarget } from './target.js';

export interface ServiceOptions {
  readonly name: string;
  readonly registry: Registry;
  readonly routes: readonly Route[];
  readonly logger: Logger;
  /** Readiness: false while the first policy or the backing stores are not there yet. */
  readonly ready?: () => boolean | Promise<boolean>;
  /** Timeouts and caps of the HTTP server (default DEFAULT_SERVER_LIMITS). */
  readonly limits?: ServerLimits;
  /** Runs after the server stopped accepting and in-flight requests finished. */
  readonly onClose?: () => Promise<void>;
}

export interface Service {
  readonly server: Server;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export function createService(opts: ServiceOptions): Service {
  const router = new Router();
  for (const r of opts.routes) router.add(r);
  router.add({
    method: 'GET',
    path: '/metrics',
    handler: async ({ res }) => {
      const body = await opts.registry.metrics();
      res.writeHead(200, { 'content-type': opts.registry.contentType });
      res.end(body);
    },
  });
  router.add({ method: 'GET', path: '/healthz', handler: ({ res }) => sendJson(res, 200, { status: 'ok' }) });
  router.add({
    method: 'GET',
    path: '/readyz',
    handler: async ({ res }) => {
      const ok = (await opts.ready?.()) ?? true;
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' });
    },
  });
  const requests = counter(opts.registry, metrics.httpRequests);
  const duration = histogram(opts.registry, metrics.httpDuration);
  const limits = opts.limits ?? DEFAULT_SERVER_LIMITS;
  // Each socket's current request and response, for answerClientErrors.
  const inFlight = new WeakMap<Socket, InFlight>();

  const handle = async (req: IncomingMessage, res: ServerResponse, setRoute: (r: string) => void) => {
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      throw new HttpError(400, CLIENT_ERROR_CODES.missingHost, 'an HTTP/1.1 request must carry a Host header (RFC 9112 §3.2)');
    }
    const url = parseRequestTarget(req.url);
    const m = router.match(req.method ?? 'GET', url.pathname);
    setRoute(m.route.path);
    await m.route.handler({ req, res, params: m.params, url });
  };

  const server = createServer(
    // Node checks both timeouts on this interval (default 30 s): keep it finer than they are.
    // Host is checked in `handle` instead of by Node, whose 400 has no body.
    { connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2), requireHostHeader: false },
    (req, res) => {
      const started = performance.now();
      let route = 'unmatched';
      inFlight.set(req.socket, { req, res });
      res.once('finish', () => {
        const code = `${Math.floor(res.statusCode / 100)}xx`;
        requests.inc({ service: opts.name, route, code });
        duration.observe({ service: opts.name, route }, (performance.now() - started) / 1000);
      });
      // A request body that breaks mid-way errors the request; the answer goes out through clientError.
      req.on('error', () => undefined);
      handle(req, res, (r) => (route = r)).catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof HttpError) return sendError(res, err);
        opts.logger.error('request failed', { err, method: req.method, route });
        sendError(res, new HttpError(500, 'internal', 'internal error'));
      });
    },
  );
  server.keepAliveTimeout = 5000;
  applyServerLimits(server, limits);
  answerClientErrors(server, inFlight);

  let closing: Promise<void> | undefined;
  return {
    server,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        // A deep accept queue: a herd is thousands of connects at once, and the default
        // backlog (511) would turn the overflow into connection resets, not latency.
        server.listen({ port, host, backlog: 4096 }, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await opts.onClose?.();
      })()),
  };
}

/** SIGTERM/SIGINT → graceful close, then exit; a second signal exits at once. */
export function exitOnSignals(close: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('shutting down', { signal });
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
