/**
 * The WebSocket balance loop: every interval, report this pod's connection count, read
 * the fleet's, and ask the excess clients to reconnect (close code 4000). One timer,
 * owned here, stopped by stop().
 */
import type { Logger } from '../../cache/log.js';
import { connectionsToShed, type FairShareOptions } from './fair-share.js';
import type { FleetRegistry } from './fleet-registry.js';

export interface BalancerOptions extends FairShareOptions {
  readonly pod: string;
  readonly intervalMs: number;
  readonly registry: FleetRegistry;
  readonly count: () => number;
  readonly shed: (n: number) => number;
  readonly logger: Logger;
}

export class WsBalancer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: BalancerOptions) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.o.registry.leave(this.o.pod).catch(() => undefined);
  }

  /** One round; exposed so tests and the first tick can run it directly. */
  async round(): Promise<number> {
    const own = this.o.count();
    const fleet = await this.o.registry.report(this.o.pod, own);
    const n = connectionsToShed(own, [...fleet.values()], this.o);
    if (n > 0) {
      const closed = this.o.shed(n);
      this.o.logger.info('asked clients to reconnect elsewhere', { own, fleet: Object.fromEntries(fleet), closed });
      return closed;
    }
    return 0;
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
