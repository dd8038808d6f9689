/**
 * Runs the operator's cold-Redis warmup requests (`rendered.redis.warmup`, a WarmupRequest):
 * each id once, and only while it is current. The service knows its keys and its origin;
 * `run` warms them (warmup-bucket.ts keeps it within the rate).
 */
import { systemClock, type Clock } from '../../../lib/1-ground/clock.js';
import { silentLogger, type Logger } from '../../../lib/1-ground/log.js';
import type { PolicyUpdate } from '../../../lib/3-policy/source.js';
import type { WarmupRequest } from '../../../lib/3-policy/warmup.js';
import { renderedWarmup } from './settings.js';

/**
 * A warmup request stays in the rendered policy after it ran; a pod started long after it
 * must not warm again. Past its expected duration plus this grace, it is history.
 */
export const WARMUP_GRACE_MS = 120_000;

/** Whether `req` is still current at `now`: within the time it would take to run, plus a grace. */
export function warmupCurrent(req: WarmupRequest, now: number): boolean {
  if (req.requestedAt === null) return true;
  const runMs = (req.topKeys / Math.max(1, req.ratePerSecondPerInstance)) * 1000;
  return now - req.requestedAt <= runMs + WARMUP_GRACE_MS;
}

export interface WarmupRequestsOptions {
  /** Runs one request; `signal` aborts on close. */
  readonly run: (req: WarmupRequest, signal: AbortSignal) => Promise<void>;
  readonly clock?: Pick<Clock, 'now'>;
  readonly logger?: Logger;
}

export class WarmupRequests {
  /** Only the last id is kept: the operator publishes one request at a time. */
  private last: string | null = null;
  private warming: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly abort = new AbortController();
  private readonly clock: Pick<Clock, 'now'>;
  private readonly logger: Logger;

  constructor(private readonly o: WarmupRequestsOptions) {
    this.clock = o.clock ?? systemClock;
    this.logger = o.logger ?? silentLogger;
  }

  /** Feed every live-policy update here; a new, current request starts after the ones before it. */
  onPolicy(u: PolicyUpdate): void {
    const req = renderedWarmup(u.rendered);
    if (!req || this.closed || req.id === this.last || !warmupCurrent(req, this.clock.now())) return;
    this.last = req.id;
    this.warming = this.warming
      .then(() => this.o.run(req, this.abort.signal))
      .catch((err: unknown) => this.logger.warn('warmup failed', { err, id: req.id }));
  }

  /** Aborts the warmup in progress and waits for it to stop. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await this.warming;
  }
}
