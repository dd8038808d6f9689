/**
 * The bundled WebSocket load client: N clients, each subscribed to one symbol, that
 * reconnect with full-jitter exponential backoff when the server closes them (4000
 * rebalance: reconnect soon, through the load balancer). Used by the balance benchmark and
 * runnable on its own:
 *   tsx example-app/market-data/load-client.ts --url ws://127.0.0.1:8080 --connections 1000 \
 *     [--reconnect-url ws://lb:8080] [--symbols AAPL,MSFT] [--duration-s 60]
 */
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { InvalidOptionError } from '../../lib/1-ground/errors.js';
import { FanOutLatency } from './fan-out-latency.js';
import { CloseCode, REBALANCED_QUERY } from './ws/close-codes.js';

export interface LoadClientOptions {
  readonly connections: number;
  readonly symbols: readonly string[];
  /** Base ws:// URL of the i-th client's first connection (lets a benchmark skew placement). */
  readonly initialUrl: (i: number) => string;
  /** Base ws:// URL used for every reconnection (the load balancer), or a function choosing one. */
  readonly reconnectUrl: string | (() => string);
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Connections opened per second at start; default 2000. */
  readonly openPerSec?: number;
  readonly random?: () => number;
}

interface Client {
  readonly id: number;
  readonly symbol: string;
  ws: WebSocket | undefined;
  pod: string | undefined;
  attempt: number;
  quotesSinceMark: number;
  timer: NodeJS.Timeout | undefined;
  /** Shed by a rebalance and not yet connected again. */
  shed: boolean;
  quotesSinceHello: number;
}

export interface LoadStats {
  readonly open: number;
  readonly byPod: Readonly<Record<string, number>>;
  readonly reconnects: number;
  readonly closeCodes: Readonly<Record<string, number>>;
  readonly quotes: number;
  /** Open clients with no quote since the last mark(). */
  readonly withoutQuoteSinceMark: number;
}

/** Full jitter (AWS architecture blog): uniform in [0, min(max, base * 2^attempt)). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20)));
}

export class LoadClient {
  private readonly clients: Client[] = [];
  private stopping = false;
  private reconnects = 0;
  private quotes = 0;
  private readonly closeCodes = new Map<number, number>();
  private opener: NodeJS.Timeout | undefined;
  private readonly random: () => number;
  /** Quote fan-out latency across every client; reset by the owner when it starts a window. */
  readonly fanOut = new FanOutLatency();

  constructor(private readonly o: LoadClientOptions) {
    if (!(Number.isInteger(o.connections) && o.connections > 0)) throw new InvalidOptionError('connections', 'a positive integer', o.connections);
    if (o.symbols.length === 0) throw new InvalidOptionError('symbols', 'a non-empty list', o.symbols);
    this.random = o.random ?? Math.random;
  }

  /** Opens the connections at the configured pace; resolves when every one has been attempted. */
  async start(): Promise<void> {
    const perTick = Math.max(1, Math.round((this.o.openPerSec ?? 2000) / 50));
    for (let i = 0; i < this.o.connections && !this.stopping; i++) {
      const c: Client = { id: i, symbol: this.o.symbols[i % this.o.symbols.length] as string, ws: undefined, pod: undefined, attempt: 0, quotesSinceMark: 0, timer: undefined, shed: false, quotesSinceHello: 0 };
      this.clients.push(c);
      this.connect(c, this.o.initialUrl(i));
      if ((i + 1) % perTick === 0) await new Promise<void>((r) => (this.opener = setTimeout(r, 20)));
    }
  }

  mark(): void {
    for (const c of this.clients) c.quotesSinceMark = 0;
  }

  stats(): LoadStats {
    const byPod: Record<string, number> = {};
    let open = 0;
    let without = 0;
    for (const c of this.clients) {
      if (c.ws?.readyState !== WebSocket.OPEN || !c.pod) continue;
      open += 1;
      byPod[c.pod] = (byPod[c.pod] ?? 0) + 1;
      if (c.quotesSinceMark === 0) without += 1;
    }
    return { open, byPod, reconnects: this.reconnects, closeCodes: Object.fromEntries(this.closeCodes), quotes: this.quotes, withoutQuoteSinceMark: without };
  }

  /** Clients not connected right now (waiting to reconnect, or connecting). */
  notOpen(): number {
    return this.clients.filter((c) => c.ws?.readyState !== WebSocket.OPEN || !c.pod).length;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.opener);
    const closed: Array<Promise<void>> = [];
    for (const c of this.clients) {
      clearTimeout(c.timer);
      const ws = c.ws;
      if (!ws || ws.readyState === WebSocket.CLOSED) continue;
      closed.push(new Promise((r) => ws.once('close', () => r())));
      ws.terminate();
    }
    await Promise.all(closed);
  }

  private connect(c: Client, base: string, rebalanced = false): void {
    const hint = rebalanced ? `?${REBALANCED_QUERY}` : '';
    const ws = new WebSocket(`${base}/ws/quotes/${c.symbol}${hint}`, { perMessageDeflate: false });
    c.ws = ws;
    c.pod = undefined;
    ws.on('message', (data: Buffer) => this.onMessage(c, data));
    ws.on('error', () => undefined); // 'close' follows and schedules the reconnect
    ws.once('close', (code: number) => {
      this.closeCodes.set(code, (this.closeCodes.get(code) ?? 0) + 1);
      c.pod = undefined;
      if (this.stopping) return;
      // A rebalance is routine: retry at once-ish; anything else backs off further each time.
      // The reconnect of a shed client carries the hint, so a pod above its share sends it on.
      const rebalanced = code === CloseCode.Rebalance || (code === 1006 && c.shed);
      c.shed = rebalanced;
      const attempt = code === CloseCode.Rebalance ? 0 : ++c.attempt;
      c.timer = setTimeout(() => {
        c.timer = undefined;
        this.reconnects += 1;
        this.connect(c, typeof this.o.reconnectUrl === 'string' ? this.o.reconnectUrl : this.o.reconnectUrl(), rebalanced);
      }, backoffMs(attempt, this.o.backoffBaseMs ?? 250, this.o.backoffMaxMs ?? 10_000, this.random));
    });
  }

  private onMessage(c: Client, data: Buffer): void {
    let m: { type?: string; pod?: string; symbol?: string; seq?: number };
    try {
      m = JSON.parse(data.toString('utf8')) as typeof m;
    } catch {
      return;
    }
    if (m.type === 'hello') {
      c.pod = m.pod;
      c.shed = false;
      c.quotesSinceHello = 0;
      c.attempt = 0;
    } else if (m.type === 'quote') {
      c.quotesSinceMark += 1;
      this.quotes += 1;
      // The first quote after subscribing may be the pod's last one, not a live fan-out.
      if (c.quotesSinceHello++ > 0 && typeof m.symbol === 'string' && typeof m.seq === 'number') this.fanOut.record(m.symbol, m.seq);
    }
  }
}

function cli(argv: string[]): { opts: LoadClientOptions; durationS: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'reconnect-url': { type: 'string' },
      connections: { type: 'string', default: '100' },
      symbols: { type: 'string', default: 'AAPL,MSFT,GOOGL,NVDA,SPY' },
      'duration-s': { type: 'string', default: '60' },
    },
    strict: true,
  });
  const url = values.url;
  if (!url || !/^wss?:\/\//.test(url)) throw new InvalidOptionError('--url', 'a ws:// or wss:// base URL', url ?? null);
  const n = Number(values.connections);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidOptionError('--connections', 'an integer from 1 to 100000', values.connections);
  const durationS = Number(values['duration-s']);
  if (!(durationS > 0)) throw new InvalidOptionError('--duration-s', 'a positive number of seconds', values['duration-s']);
  const symbols = values.symbols.split(',').filter(Boolean);
  return { opts: { connections: n, symbols, initialUrl: () => url, reconnectUrl: values['reconnect-url'] ?? url }, durationS };
}

async function main(): Promise<void> {
  const { opts, durationS } = cli(process.argv.slice(2));
  const lc = new LoadClient(opts);
  const report = setInterval(() => process.stdout.write(JSON.stringify(lc.stats()) + '\n'), 2000);
  const deadline = setTimeout(() => void finish(), durationS * 1000);
  const finish = async () => {
    clearInterval(report);
    clearTimeout(deadline);
    await lc.stop();
    process.stdout.write(JSON.stringify({ final: lc.stats() }) + '\n');
  };
  process.once('SIGINT', () => void finish());
  await lc.start();
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
