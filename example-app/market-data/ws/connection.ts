/**
 * One client's WebSocket: its subscriptions (capped), its bounded send buffer, its
 * validated and rate-limited messages, and its liveness (ping/pong, idle timeout). Every
 * subscription is released when the socket closes, however it closes, so a vanished
 * client can never keep a feed loop alive.
 */
import type { WebSocket, RawData } from 'ws';
import { HerdguardError } from '../../../lib/1-ground/errors.js';
import type { FeedHub, Unsubscribe } from '../feed/hub.js';
import type { QuoteEvent, Receiver } from '../feed/types.js';
import type { SymbolList } from '../symbols.js';
import { TokenBucket } from '../../feed-simulator/rate-limit.js';
import { CloseCode, CloseReason } from './close-codes.js';
import { parseClientMessage } from './protocol.js';
import { decideSend, type SendLimits } from './send-policy.js';

export interface ConnectionDeps {
  readonly hub: FeedHub;
  readonly symbols: SymbolList;
  readonly limits: SendLimits;
  readonly maxSubscriptions: number;
  readonly maxBadMessages: number;
  readonly pod: string;
  readonly onDrop: () => void;
  readonly onSlowConsumer: () => void;
  /** Counts a close by the connection policy (rate, heartbeat, idle). */
  readonly onPolicyClose: (reason: PolicyCloseReason) => void;
  readonly liveness: Liveness;
  readonly now: () => number;
}

export type PolicyCloseReason = 'rate_limited' | 'dead_peer' | 'idle';

export interface Liveness {
  /** Client messages per second allowed on one connection, with a burst of twice as many. */
  readonly maxMessagesPerSecond: number;
  /** A ping goes out after this long without a pong; no pong within another interval = dead. */
  readonly pingIntervalMs: number;
  /** Closed when it holds no subscription and sent no message for this long. */
  readonly idleTimeoutMs: number;
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
}

/** How long a closing client gets to read our close frame before the socket is cut. */
const CLOSE_GRACE_MS = 2000;

export class QuoteConnection implements Receiver {
  private readonly subs = new Map<string, Unsubscribe>();
  private consecutiveDrops = 0;
  private badMessages = 0;
  private closing = false;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly rate: TokenBucket;
  private lastHeardAt: number;
  private lastMessageAt: number;
  private pingSentAt: number | null = null;

  constructor(
    readonly ws: WebSocket,
    private readonly deps: ConnectionDeps,
  ) {
    const l = deps.liveness;
    this.rate = new TokenBucket(l.maxMessagesPerSecond, Math.max(1, l.maxMessagesPerSecond * 2), deps.now);
    this.lastHeardAt = this.lastMessageAt = deps.now();
  }

  get isClosing(): boolean {
    return this.closing;
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /** Wires the socket; `onClosed` runs once when it is gone. */
  start(initialSymbol: string, onClosed: (c: QuoteConnection) => void): void {
    this.ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    this.ws.on('pong', () => {
      this.lastHeardAt = this.deps.now();
      this.pingSentAt = null;
    });
    // A protocol error (bad frame, invalid UTF-8, too big): ws has sent the close frame with its
    // code; cutting at once could lose it, so the socket gets the usual grace.
    this.ws.on('error', () => this.cutAfterGrace());
    this.ws.once('close', () => {
      clearTimeout(this.killTimer);
      for (const off of this.subs.values()) off();
      this.subs.clear();
      onClosed(this);
    });
    this.sendControl({ type: 'hello', pod: this.deps.pod, maxSubscriptions: this.deps.maxSubscriptions });
    this.subscribe(initialSymbol);
  }

  deliver(e: QuoteEvent): boolean {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return false;
    const d = decideSend(this.ws.bufferedAmount, this.consecutiveDrops, this.deps.limits);
    if (d === 'disconnect') {
      this.deps.onSlowConsumer();
      this.close(CloseCode.SlowConsumer, CloseReason.SlowConsumer);
      return false;
    }
    if (d === 'drop') {
      this.consecutiveDrops += 1;
      this.deps.onDrop();
      return true;
    }
    this.consecutiveDrops = 0;
    this.ws.send(e.json, (err) => {
      if (err) this.ws.terminate();
    });
    return true;
  }

  /** Asks the client to go: close frame now, socket cut after a short grace if it does not answer. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.ws.close(code, reason);
    this.cutAfterGrace();
  }

  private cutAfterGrace(): void {
    this.closing = true;
    if (this.killTimer) return;
    this.killTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    this.killTimer.unref();
  }

  /**
   * One heartbeat and idle check, run by the server's sweep: cut a peer that left a ping
   * unanswered for a whole interval, ping one not heard from for an interval, close an idle one.
   */
  sweep(): void {
    if (this.closing) return;
    const now = this.deps.now();
    const l = this.deps.liveness;
    if (this.pingSentAt !== null && now - this.pingSentAt >= l.pingIntervalMs) {
      this.closing = true;
      this.deps.onPolicyClose('dead_peer');
      this.ws.terminate();
      return;
    }
    if (this.subs.size === 0 && now - this.lastMessageAt >= l.idleTimeoutMs) {
      this.deps.onPolicyClose('idle');
      this.close(CloseCode.Idle, CloseReason.Idle);
      return;
    }
    if (this.pingSentAt === null && now - this.lastHeardAt >= l.pingIntervalMs) {
      this.pingSentAt = now;
      this.ws.ping();
    }
  }

  private subscribe(raw: unknown): void {
    let symbol: string;
    try {
      symbol = this.deps.symbols.parse(raw);
    } catch (err) {
      if (err instanceof HerdguardError) return this.reject(err.code === 'E_SYMBOL_UNKNOWN' ? 'unknown_symbol' : 'malformed_symbol', err.message);
      throw err;
    }
    if (this.subs.has(symbol)) return this.sendControl({ type: 'subscribed', symbol });
    if (this.subs.size >= this.deps.maxSubscriptions) {
      return this.reject('too_many_subscriptions', `at most ${this.deps.maxSubscriptions} subscriptions per connection; unsubscribe first`);
    }
    this.sendControl({ type: 'subscribed', symbol });
    this.subs.set(symbol, this.deps.hub.subscribe(symbol, this));
  }

  private unsubscribe(raw: unknown): void {
    const symbol = typeof raw === 'string' ? raw : '';
    const off = this.subs.get(symbol);
    if (!off) return this.reject('not_subscribed', `not subscribed to ${JSON.stringify(raw)}`);
    this.subs.delete(symbol);
    off();
    this.sendControl({ type: 'unsubscribed', symbol });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    this.lastHeardAt = this.lastMessageAt = this.deps.now();
    if (!this.rate.take().allowed) {
      this.deps.onPolicyClose('rate_limited');
      return this.close(CloseCode.RateLimited, `${CloseReason.RateLimited} (at most ${this.deps.liveness.maxMessagesPerSecond})`);
    }
    if (isBinary) return this.bad('binary_not_accepted', 'binary messages are not accepted; send JSON text');
    const p = parseClientMessage(textOf(data));
    if (!p.ok) return this.bad(p.code, p.message);
    if (p.msg.op === 'ping') return this.sendControl({ type: 'pong' });
    if (p.msg.op === 'subscribe') return this.subscribe(p.msg.symbol);
    return this.unsubscribe(p.msg.symbol);
  }

  private bad(code: string, message: string): void {
    this.badMessages += 1;
    this.reject(code, message);
    if (this.badMessages >= this.deps.maxBadMessages) this.close(CloseCode.TooManyBadMessages, CloseReason.TooManyBadMessages);
  }

  private reject(code: string, message: string): void {
    this.sendControl({ type: 'error', code, message });
  }

  private sendControl(msg: Record<string, unknown>): void {
    // Control replies also respect the bound: a client that does not read gets nothing more.
    if (this.closing || this.ws.readyState !== this.ws.OPEN || this.ws.bufferedAmount > this.deps.limits.dropAboveBytes) return;
    this.ws.send(JSON.stringify(msg));
  }
}
