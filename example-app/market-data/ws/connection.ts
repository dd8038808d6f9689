/**
 * One client's WebSocket: its subscriptions (capped), its bounded send buffer and its
 * validated messages. Every subscription is released when the socket closes, however
 * it closes, so a vanished client can never keep a feed loop alive.
 */
import type { WebSocket, RawData } from 'ws';
import { HerdguardError } from '../../cache/errors.js';
import type { FeedHub, Unsubscribe } from '../feed/hub.js';
import type { QuoteEvent, Receiver } from '../feed/types.js';
import type { SymbolList } from '../symbols.js';
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

  constructor(
    readonly ws: WebSocket,
    private readonly deps: ConnectionDeps,
  ) {}

  get isClosing(): boolean {
    return this.closing;
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /** Wires the socket; `onClosed` runs once when it is gone. */
  start(initialSymbol: string, onClosed: (c: QuoteConnection) => void): void {
    this.ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    this.ws.on('error', () => this.ws.terminate());
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
    this.closing = true;
    this.ws.close(code, reason);
    this.killTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    this.killTimer.unref();
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
