/**
 * A service process's HTTP server: the app's routes plus /metrics, /healthz and /readyz,
 * HTTP metrics labelled by route pattern (bounded), and a graceful close that stops
 * accepting, drains in-flight requests, then runs the owner's shutdown.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../cache/log.js';
import { metrics } from '../cache/metrics/names.js';
import { counter, histogram } from '../cache/metrics/prom.js';
import { HttpError, Router, sendError, sendJson, type Route } from './http.js';

export interface ServiceOptions {
  readonly name: string;
  readonly registry: Registry;
  readonly routes: readonly Route[];
  readonly logger: Logger;
  /** Readiness: false while the first policy or the backing stores are not there yet. */
  readonly ready?: () => boolean;
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
    handler: ({ res }) => {
      const ok = opts.ready?.() ?? true;
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' });
    },
  });
  const requests = counter(opts.registry, metrics.httpRequests);
  const duration = histogram(opts.registry, metrics.httpDuration);

  const server = createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://service.local');
    let route = 'unmatched';
    const finish = () => {
      const code = `${Math.floor(res.statusCode / 100)}xx`;
      requests.inc({ service: opts.name, route, code });
      duration.observe({ service: opts.name, route }, (performance.now() - started) / 1000);
    };
    res.once('finish', finish);
    const run = async () => {
      const m = router.match(req.method ?? 'GET', url.pathname);
      route = m.route.path;
      await m.route.handler({ req, res, params: m.params, url });
    };
    run().catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) return sendError(res, err);
      opts.logger.error('request failed', { err, method: req.method, path: url.pathname });
      sendError(res, new HttpError(500, 'internal', 'internal error'));
    });
  });
  server.keepAliveTimeout = 5000;

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
