/**
 * The origin as the cache calls it: behind the guard (concurrency, queue, circuit), with a
 * hard timeout, measured, and its answer made into an envelope (a NOT_FOUND into a negative
 * one). Used by fills and writes alike.
 */
import {
  HerdguardError,
  OriginError,
  OriginRejectedError,
  OriginTimeoutError,
} from '../../1-ground/errors.js';
import type { Logger } from '../../1-ground/log.js';
import type { KeyspacePolicy, OriginPolicy } from '../../3-policy/types.js';
import type { CacheMetrics, OriginOutcome } from '../metrics/cache-metrics.js';
import { callWithTimeout } from '../origin/call-origin.js';
import { OriginGuard } from '../origin/origin-guard.js';
import { lifetimes } from '../refresh/jitter.js';
import type { Envelope } from './envelope.js';
import { NOT_FOUND } from './not-found.js';
import type { Factory } from './types.js';

/** An origin answer ready to store: the envelope and its physical ttl in L2. */
export interface Made {
  readonly env: Envelope;
  readonly pttlMs: number;
  /** False for a not-found the policy does not cache (negativeTTL 0): answered, never stored. */
  readonly storable: boolean;
}

export interface OriginDeps {
  readonly name: string;
  readonly metrics: CacheMetrics;
  readonly clock: { now(): number };
  readonly random: () => number;
  readonly logger: Logger;
}

export class Origin {
  private readonly guard: OriginGuard;

  constructor(
    policy: OriginPolicy,
    private readonly deps: OriginDeps,
  ) {
    this.guard = new OriginGuard(
      policy,
      deps.name,
      () => deps.clock.now(),
      (open) => this.circuitChanged(open),
    );
  }

  setPolicy(policy: OriginPolicy): void {
    this.guard.setPolicy(policy);
  }

  /** Callers wait at the guard: background refreshes hold back for them. */
  get busy(): boolean {
    return this.guard.queued > 0;
  }

  /** One origin call, its answer as an envelope written with `token`; throws the origin's failure, typed. */
  async fetch(key: string, ks: KeyspacePolicy, factory: Factory<unknown>, token: string): Promise<Made> {
    const started = this.deps.clock.now();
    const result = await this.call(key, ks, factory);
    const now = this.deps.clock.now();
    const d = now - started;
    if (result !== NOT_FOUND) {
      const life = lifetimes(ks, now, false, this.deps.random);
      return {
        env: { v: result, c: now, e: life.expiresAt, d, f: token },
        pttlMs: life.physicalTtlMs,
        storable: true,
      };
    }
    if (ks.negativeTtlMs <= 0)
      return { env: { nf: 1, c: now, e: now, d, f: token }, pttlMs: 0, storable: false };
    const life = lifetimes(ks, now, true, this.deps.random);
    return {
      env: { nf: 1, c: now, e: life.expiresAt, d, f: token },
      pttlMs: life.physicalTtlMs,
      storable: true,
    };
  }

  private async call(key: string, ks: KeyspacePolicy, factory: Factory<unknown>): Promise<unknown> {
    // Timed from admission by the guard: the origin's own latency, not our queue in front of
    // it (queueing shows as inflight at the limit; OriginLatencyHigh must mean a slow origin).
    let t0 = 0;
    let outcome: OriginOutcome = 'ok';
    const { metrics } = this.deps;
    try {
      // A call waits for a slot no longer than it may run: the caller's wait stays bounded.
      const v = await this.guard.run(() => {
        t0 = performance.now();
        metrics.setOriginInflight(this.guard.inflight);
        return callWithTimeout(key, ks.originTimeoutMs, factory);
      }, ks.originTimeoutMs);
      if (v === NOT_FOUND) outcome = 'not_found';
      return v;
    } catch (err) {
      outcome =
        err instanceof OriginRejectedError
          ? 'rejected'
          : err instanceof OriginTimeoutError
            ? 'timeout'
            : 'error';
      throw err instanceof HerdguardError ? err : new OriginError(key, err);
    } finally {
      metrics.originCall(outcome, t0 === 0 ? 0 : (performance.now() - t0) / 1000);
      metrics.setOriginInflight(this.guard.inflight);
    }
  }

  private circuitChanged(open: boolean): void {
    this.deps.metrics.setCircuitOpen(open);
    this.deps.logger.warn(open ? 'origin circuit opened' : 'origin circuit closed', {});
  }
}
