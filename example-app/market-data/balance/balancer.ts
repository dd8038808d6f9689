/**
 * The WebSocket balance loop: every interval, report this pod's connection count, read
 * the fleet's, and ask the computed excess to reconnect (close code 4000), spread evenly
 * over the interval rather than in one burst, so neither this pod's event loop nor the
 * load balancer sees a herd. Between rounds, admits() answers whether this pod takes a new
 * connection (fair-share.ts). Two timers (the round and the pacer), owned here, stopped by stop().
 */
import type { Logger } from '../../../lib/1-ground/log.js';
import { admits, connectionsToShed, type FairShareOptions } from './fair-share.js';
import type { FleetRegistry } from './fleet-registry.js';

export interface BalancerOptions extends FairShareOptions {
  readonly pod: string;
  readonly intervalMs: number;
  readonly registry: FleetRegistry;
  readonly count: () => number;
  readonly shed: (n: number) => number;
  readonly logger: Logger;
  /** Slices a round's closes are spread over; default 10. */
  readonly slices?: number;
}

export class WsBalancer {
  private timer: NodeJS.Timeout | undefined;
  private pacer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The last snapshot of the fleet's counts; empty until the first round. */
  private fleet: number[] = [];
  /** Closes still to send this round, and those sent in the previous one (not yet landed anywhere). */
  private pending = 0;
  private shedThisRound = 0;
  private shedLastRound = 0;

  constructor(private readonly o: BalancerOptions) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pacer);
    this.pacer = undefined;
    await this.running;
    await this.o.registry.leave(this.o.pod).catch(() => undefined);
  }

  /** Whether this pod takes one more connection; a pod that has not seen the fleet yet does. */
  admits(): boolean {
    return admits(this.o.count(), this.fleet, this.o.tolerance);
  }

  /** One round: report, read the fleet, and plan this round's closes. Returns how many are planned. */
  async round(): Promise<number> {
    const own = this.o.count();
    const fleet = await this.o.registry.report(this.o.pod, own);
    this.fleet = [...fleet.values()];
    this.shedLastRound = this.shedThisRound;
    this.shedThisRound = 0;
    const n = connectionsToShed(own, this.fleet, this.o, this.shedLastRound);
    this.pending = n;
    if (n > 0) {
      this.o.logger.info('asking clients to reconnect elsewhere', { own, fleet: Object.fromEntries(fleet), planned: n, inFlight: this.shedLastRound });
      this.pace();
    }
    return n;
  }

  /** Sends the planned closes in equal slices across the interval; stops itself when done. */
  private pace(): void {
    const slices = this.o.slices ?? 10;
    const per = Math.ceil(this.pending / slices);
    clearInterval(this.pacer);
    const tick = () => {
      const closed = this.o.shed(Math.min(per, this.pending));
      this.shedThisRound += closed;
      this.pending = closed > 0 ? this.pending - closed : 0;
      if (this.pending <= 0) {
        clearInterval(this.pacer);
        this.pacer = undefined;
      }
    };
    this.pacer = setInterval(tick, Math.max(1, Math.floor(this.o.intervalMs / slices)));
    tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round()
        .then(() => undefined)
        .catch((err: unknown) => this.o.logger.warn('balance round failed', { err }))
        .finally(() => this.schedule());
    }, this.o.intervalMs);
  }
}
