/**
 * WS /ws/quotes/:symbol on the service-kit HTTP server (noServer upgrade). The path is
 * validated before the upgrade, so a bad symbol or an unparseable target gets a plain HTTP
 * 400/404 with a JSON body; the connection count is capped (capacity.ts). Owns every
 * connection until it closes, and the sweep that pings them and closes idle ones.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import { HerdguardError } from '../../../lib/1-ground/errors.js';
import { labelValues, metrics } from '../../../lib/1-ground/metric-names.js';
import { counter, gauge } from '../../../lib/1-ground/prom.js';
import { HttpError } from '../../service-kit/http.js';
import { parseRequestTarget } from '../../service-kit/target.js';
import type { FeedHub } from '../feed/hub.js';
import type { SymbolList } from '../symbols.js';
import { CloseCode, CloseReason } from './close-codes.js';
import { QuoteConnection, type Liveness } from './connection.js';
import type { SendLimits } from './send-policy.js';

export interface QuoteSocketOptions {
  readonly service: string;
  readonly pod: string;
  readonly hub: FeedHub;
  readonly symbols: SymbolList;
  readonly registry: Registry;
  readonly limits: SendLimits;
  readonly maxSubscriptions: number;
  readonly maxConnections: number;
  readonly maxMessageBytes: number;
  readonly maxBadMessages?: number;
  readonly liveness: Liveness;
  readonly now?: () => number;
  /** Whether this pod takes back a client shed by a rebalance (the balancer's fair share); default always. */
  readonly admit?: () => boolean;
}

const WS_PATH = /^\/ws\/quotes\/([^/]*)$/;
const REBALANCED = /[?&]rebalanced=1(&|$)/;

function refuse(socket: Duplex, status: number, text: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

const KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * The RFC 6455 handshake checks `ws` would otherwise answer in plain text, answered here
 * with the services' JSON error and a stable code.
 */
function handshakeProblem(req: IncomingMessage): { status: number; code: string; message: string } | null {
  if (req.method !== 'GET') return { status: 405, code: 'method_not_allowed', message: `${req.method} cannot open a WebSocket; use GET` };
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
    return { status: 400, code: 'invalid_handshake', message: 'expected the header Upgrade: websocket' };
  }
  if (!KEY.test(req.headers['sec-websocket-key'] ?? '')) {
    return { status: 400, code: 'invalid_handshake', message: 'expected a Sec-WebSocket-Key of 16 base64-encoded bytes' };
  }
  if (req.headers['sec-websocket-version'] !== '13') {
    return { status: 400, code: 'invalid_handshake', message: 'expected Sec-WebSocket-Version: 13' };
  }
  return null;
}

export class QuoteSocketServer {
  private readonly wss: WebSocketServer;
  /** Insertion-ordered: the oldest connections come first when shedding. */
  private readonly conns = new Set<QuoteConnection>();
  private readonly gConns;
  private readonly cRebalanced;
  private readonly cDropped;
  private readonly cSlow;
  private readonly cPolicy;
  private readonly now: () => number;
  /** The heartbeat and idle sweep; started by attach, stopped by closeAll. */
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly o: QuoteSocketOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.maxMessageBytes, perMessageDeflate: false });
    // What handshakeProblem does not check (e.g. a malformed subprotocol list) still gets a JSON answer.
    this.wss.on('wsClientError', (_err: Error, socket: Duplex) =>
      refuse(socket, 400, 'Bad Request', 'invalid_handshake', 'the WebSocket handshake headers are not valid (RFC 6455 §4.2.1)'),
    );
    this.gConns = gauge(o.registry, metrics.wsConnections);
    this.cRebalanced = counter(o.registry, metrics.wsRebalanced);
    this.cDropped = counter(o.registry, metrics.wsDropped);
    this.cSlow = counter(o.registry, metrics.wsSlowConsumerClosed);
    this.cPolicy = counter(o.registry, metrics.wsPolicyClosed);
    this.now = o.now ?? Date.now;
    this.gConns.set({ service: o.service }, 0);
    // Counters start at 0 so increase() sees the first rebalance, drop and slow-consumer close.
    for (const c of [this.cRebalanced, this.cDropped, this.cSlow]) c.inc({ service: o.service }, 0);
    for (const reason of labelValues.wsPolicyClose) this.cPolicy.inc({ service: o.service, reason }, 0);
  }

  get count(): number {
    return this.conns.size;
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    const l = this.o.liveness;
    // A quarter of the shorter period: a dead peer is cut within 1.25 ping intervals.
    const tickMs = Math.max(50, Math.min(l.pingIntervalMs, l.idleTimeoutMs) / 4);
    this.sweeper ??= setInterval(() => {
      for (const c of this.conns) c.sweep();
    }, tickMs);
    this.sweeper.unref();
  }

  /** Closes the `n` oldest connections with the rebalance code so the load balancer can spread them. */
  shed(n: number): number {
    let closed = 0;
    for (const c of this.conns) {
      if (closed >= n) break;
      if (c.isClosing) continue;
      c.close(CloseCode.Rebalance, CloseReason.Rebalance);
      closed += 1;
    }
    if (closed) this.cRebalanced.inc({ service: this.o.service }, closed);
    return closed;
  }

  /** Graceful shutdown: every client is told to go (1001), then we wait for the sockets to close. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const gone = [...this.conns].map((c) => new Promise<void>((resolve) => c.ws.once('close', () => resolve())));
    for (const c of this.conns) c.close(CloseCode.GoingAway, CloseReason.GoingAway);
    await Promise.all(gone);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    let target: URL;
    try {
      target = parseRequestTarget(req.url);
    } catch (err) {
      if (err instanceof HttpError) return refuse(socket, 400, 'Bad Request', err.code, err.message);
      throw err;
    }
    const path = target.pathname;
    const m = WS_PATH.exec(path);
    if (!m) return refuse(socket, 404, 'Not Found', 'no_such_route', `no WebSocket route ${path}; use /ws/quotes/:symbol`);
    let symbol: string;
    try {
      symbol = this.o.symbols.parse(decodeURIComponent(m[1] ?? ''));
    } catch (err) {
      if (!(err instanceof HerdguardError)) return refuse(socket, 400, 'Bad Request', 'malformed_symbol', 'the symbol is not valid percent-encoding');
      return err.code === 'E_SYMBOL_UNKNOWN'
        ? refuse(socket, 404, 'Not Found', 'unknown_symbol', err.message)
        : refuse(socket, 400, 'Bad Request', 'malformed_symbol', err.message);
    }
    const bad = handshakeProblem(req);
    if (bad) return refuse(socket, bad.status, bad.status === 405 ? 'Method Not Allowed' : 'Bad Request', bad.code, bad.message);
    if (this.conns.size >= this.o.maxConnections) {
      return refuse(socket, 503, 'Service Unavailable', 'too_many_connections', `this pod holds its maximum of ${this.o.maxConnections} connections; retry`);
    }
    // A shed client says so (?rebalanced=1); above its fair share, this pod sends it on: a load
    // balancer that retries on 503 places it on another pod. New clients are always taken.
    if (REBALANCED.test(target.search) && this.o.admit && !this.o.admit()) {
      return refuse(socket, 503, 'Service Unavailable', 'above_fair_share', 'this pod holds more than its share of the fleet\'s connections; retry through the load balancer');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, symbol));
  }

  private accept(ws: WebSocket, symbol: string): void {
    const c = new QuoteConnection(ws, {
      hub: this.o.hub,
      symbols: this.o.symbols,
      limits: this.o.limits,
      maxSubscriptions: this.o.maxSubscriptions,
      maxBadMessages: this.o.maxBadMessages ?? 20,
      pod: this.o.pod,
      onDrop: () => this.cDropped.inc({ service: this.o.service }),
      onSlowConsumer: () => this.cSlow.inc({ service: this.o.service }),
      onPolicyClose: (reason) => this.cPolicy.inc({ service: this.o.service, reason }),
      liveness: this.o.liveness,
      now: this.now,
    });
    this.conns.add(c);
    this.gConns.set({ service: this.o.service }, this.conns.size);
    c.start(symbol, (closed) => {
      this.conns.delete(closed);
      this.gConns.set({ service: this.o.service }, this.conns.size);
    });
  }
}
