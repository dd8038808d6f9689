/**
 * The process's feed loops, one per symbol, refcounted: the first subscriber starts a
 * symbol's loop, the last to leave stops it. Every loop is in `loops` while it runs and
 * in `stopping` until its handle settles, so nothing runs unowned and shutdown can wait
 * for all of them. The map is bounded by the configured symbol list.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../../../lib/1-ground/log.js';
import { metrics } from '../../../lib/1-ground/metric-names.js';
import { counter, gauge } from '../../../lib/1-ground/prom.js';
import type { Quote } from '../quote.js';
import { FeedLoop, type FeedLoopDeps } from './loop.js';
import type { Receiver, StopReason } from './types.js';

export interface FeedHubOptions extends FeedLoopDeps {
  readonly service: string;
  /** Names this process in lease tokens (the pod name). */
  readonly owner: string;
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface FeedStats {
  /** Loops running (in the map). */
  readonly loops: number;
  /** Running loops that nobody listens to: must stay 0. */
  readonly orphaned: number;
  /** Stopped loops whose handle has not settled yet. */
  readonly stopping: number;
  readonly receivers: number;
  readonly started: number;
  readonly stopped: number;
}

export type Unsubscribe = () => void;

export class FeedHub {
  private readonly loops = new Map<string, FeedLoop>();
  private readonly stopping = new Set<FeedLoop>();
  private seq = 0;
  private started = 0;
  private stopped = 0;
  private readonly gLoops;
  private readonly cStarted;
  private readonly cStopped;
  private readonly gLastUpdate;

  constructor(private readonly o: FeedHubOptions) {
    this.gLoops = gauge(o.registry, metrics.feedLoops);
    this.cStarted = counter(o.registry, metrics.feedLoopsStarted);
    this.cStopped = counter(o.registry, metrics.feedLoopsStopped);
    this.gLastUpdate = gauge(o.registry, metrics.quoteLastUpdate);
    this.publishGauges();
  }

  /** Adds `r` to the symbol's loop (starting it if needed); the returned function is idempotent. */
  subscribe(symbol: string, r: Receiver): Unsubscribe {
    let loop = this.loops.get(symbol);
    if (!loop) {
      loop = new FeedLoop(
        symbol,
        `${this.o.owner}:${++this.seq}`,
        this.o,
        (l, reason) => this.onStopped(l, reason),
        (q) => this.onQuote(q),
      );
      this.loops.set(symbol, loop);
      this.started += 1;
      this.cStarted.inc({ service: this.o.service });
      loop.start();
    }
    loop.add(r);
    const mine = loop;
    let done = false;
    this.publishGauges();
    return () => {
      if (done) return;
      done = true;
      mine.remove(r);
      if (mine.receiverCount === 0) void mine.stop('last_unsubscribe');
      this.publishGauges();
    };
  }

  stats(): FeedStats {
    let orphaned = 0;
    let receivers = 0;
    for (const l of this.loops.values()) {
      receivers += l.receiverCount;
      if (l.receiverCount === 0) orphaned += 1;
    }
    return { loops: this.loops.size, orphaned, stopping: this.stopping.size, receivers, started: this.started, stopped: this.stopped };
  }

  /** Graceful shutdown: stops every loop and waits until each has released its lease. */
  async stopAll(): Promise<void> {
    for (const l of [...this.loops.values()]) void l.stop('shutdown');
    await Promise.all([...this.stopping].map((l) => l.done));
  }

  private onStopped(loop: FeedLoop, reason: StopReason): void {
    if (this.loops.get(loop.symbol) === loop) this.loops.delete(loop.symbol);
    this.stopped += 1;
    this.cStopped.inc({ service: this.o.service, reason });
    this.stopping.add(loop);
    void loop.done.finally(() => {
      this.stopping.delete(loop);
      this.publishGauges();
    });
    this.publishGauges();
  }

  private onQuote(q: Quote): void {
    this.gLastUpdate.set({ symbol: q.symbol }, q.ts / 1000);
  }

  private publishGauges(): void {
    const s = this.stats();
    this.gLoops.set({ service: this.o.service, state: 'subscribed' }, s.loops - s.orphaned);
    this.gLoops.set({ service: this.o.service, state: 'orphaned' }, s.orphaned);
  }
}
