/**
 * Runs one controller for one leadership term: a fresh work queue, N workers, one
 * reconcile per key at a time, retries with backoff, metrics per reconcile.
 */
import type { Controller, ReconcileContext } from './controller.js';
import type { Clock } from '../lib/1-ground/clock.js';
import { WorkQueue } from '../lib/2-kube/queue.js';
import type { OperatorMetrics } from './metrics.js';

export class ControllerRunner {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly controller: Controller,
    private readonly ctx: ReconcileContext,
    private readonly metrics: OperatorMetrics,
    clock: Clock,
  ) {
    const name = controller.name;
    this.queue = new WorkQueue({ clock, onDepth: (d) => metrics.queueDepth.set({ controller: name }, d) });
    metrics.queueDepth.set({ controller: name }, 0); // the series exists before the first item, so panels show 0, not "no data"

  }

  start(): void {
    for (const key of this.controller.allKeys()) this.queue.add(key);
    for (let i = 0; i < (this.controller.workers ?? 2); i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      await this.reconcileOne(key);
    }
  }

  private async reconcileOne(key: string): Promise<void> {
    const name = this.controller.name;
    const started = performance.now();
    try {
      const out = await this.controller.reconcile(key, this.ctx);
      this.queue.forget(key);
      if (out.requeueAfterMs !== undefined) this.queue.addAfter(key, out.requeueAfterMs);
      this.metrics.reconcile.inc({ controller: name, result: out.result });
    } catch (err) {
      const delayMs = this.queue.addRateLimited(key);
      this.metrics.reconcile.inc({ controller: name, result: 'error' });
      this.ctx.logger.warn('reconcile failed; retrying', { controller: name, key, delayMs, err });
    } finally {
      this.metrics.reconcileDuration.observe({ controller: name }, (performance.now() - started) / 1000);
      this.queue.done(key);
    }
  }
}
