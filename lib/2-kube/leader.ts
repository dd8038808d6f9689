/**
 * Leader election on a coordination.k8s.io Lease (the client-go protocol): the holder
 * renews every retryPeriod; a candidate takes over once the record it observed has not
 * changed for leaseDuration (measured on its own clock, so clock skew between replicas
 * does not matter). A leader that cannot renew within renewDeadline stops acting.
 */
import type { Logger } from '../1-ground/log.js';
import { silentLogger } from '../1-ground/log.js';
import type { KubeClient } from './client.js';
import { sleepOn, systemClock, type Clock } from '../1-ground/clock.js';
import { isConflict, isNotFound, NotLeaderError } from './errors.js';
import { resources, type KubeObject } from './resources.js';

export interface LeaderElectorOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  /** Subtracted from leaseDuration before acting: clock rate drift between replicas and the renewal's own latency. */
  skewMarginMs?: number;
}

/**
 * Whether a leader that last renewed at `renewedAt` (when that successful request
 * *started*, on its own clock) may still act at `now`. A candidate waits leaseDuration
 * from when it saw that renewal, which is later; the margin covers clocks running at
 * different rates. Pure, so the check between promotion steps is unit-tested.
 */
export function holdsLease(renewedAt: number | null, now: number, leaseDurationMs: number, skewMarginMs: number): boolean {
  return renewedAt !== null && now >= renewedAt && now - renewedAt < leaseDurationMs - skewMarginMs;
}

interface Lease extends KubeObject {
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime wants six fractional digits. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  private leading = false;
  private observed: { record: string; at: number } | undefined;
  private lastRenew = 0;
  /** Start of the last successful acquire or renew; null before the first. */
  private renewedAt: number | null = null;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly o: Required<Pick<LeaderElectorOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>>;
  private readonly skewMarginMs: number;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.logger = (opts.logger ?? silentLogger).child({ component: 'leader-election', identity: opts.identity });
    this.o = {
      leaseDurationMs: opts.leaseDurationMs ?? 15_000,
      renewDeadlineMs: opts.renewDeadlineMs ?? 10_000,
      retryPeriodMs: opts.retryPeriodMs ?? 2_000,
    };
    // At most half the gap between renewDeadline and leaseDuration: a healthy leader stops
    // by renewDeadline first, the margin only bites when a tick outlives that.
    this.skewMarginMs = opts.skewMarginMs ?? Math.min(2_000, (this.o.leaseDurationMs - this.o.renewDeadlineMs) / 2);
    if (!(this.o.leaseDurationMs > this.o.renewDeadlineMs && this.o.renewDeadlineMs > this.o.retryPeriodMs)) {
      throw new RangeError(
        `expected leaseDuration > renewDeadline > retryPeriod, got ${this.o.leaseDurationMs} > ${this.o.renewDeadlineMs} > ${this.o.retryPeriodMs}`,
      );
    }
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Leading, and the last renewal is recent enough that no one else can have taken the Lease. */
  holds(): boolean {
    return this.leading && holdsLease(this.renewedAt, this.clock.now(), this.o.leaseDurationMs, this.skewMarginMs);
  }

  /** Throws NotLeaderError unless holds(): call before each mutating step. */
  ensureLeading(): Promise<void> {
    if (this.holds()) return Promise.resolve();
    return Promise.reject(new NotLeaderError(this.opts.identity, { renewedAt: this.renewedAt }));
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning; a leader releases the lease so the other replica takes over at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.leading) {
      await this.release().catch((err: unknown) => this.logger.warn('could not release the lease', { err }));
      this.setLeading(false);
    }
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const started = this.clock.now();
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.logger.warn('lease update failed', { err });
        return false;
      });
      if (this.abort.signal.aborted) break;
      if (ok) {
        this.lastRenew = this.clock.now();
        this.renewedAt = started;
        this.setLeading(true);
      } else if (this.leading && this.clock.now() - this.lastRenew >= this.o.renewDeadlineMs) {
        this.setLeading(false);
      }
      await sleepOn(this.clock, this.o.retryPeriodMs, this.abort.signal);
    }
  }

  private setLeading(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    if (!v) this.renewedAt = null;
    this.logger.info(v ? 'became leader' : 'stopped leading');
    if (v) this.opts.onStartedLeading();
    else this.opts.onStoppedLeading();
  }

  private target() {
    return { res: resources.leases, namespace: this.opts.namespace, name: this.opts.name };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const spec = (transitions: number, acquired: string) => ({
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      acquireTime: acquired,
      renewTime: microTime(now),
      leaseTransitions: transitions,
    });
    let lease: Lease;
    try {
      lease = await this.opts.client.get<Lease>(this.target());
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.opts.client.create(
        { res: resources.leases, namespace: this.opts.namespace },
        { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name }, spec: spec(0, microTime(now)) },
      );
      return true;
    }
    const holder = lease.spec.holderIdentity ?? '';
    const record = JSON.stringify(lease.spec);
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const mine = holder === this.opts.identity;
    if (!mine && holder !== '' && now < this.observed.at + this.o.leaseDurationMs) return false;
    const transitions = (lease.spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const body = { ...lease, spec: spec(transitions, mine && lease.spec.acquireTime ? lease.spec.acquireTime : microTime(now)) };
    try {
      const updated = await this.opts.client.update<Lease>(this.target(), body);
      this.observed = { record: JSON.stringify(updated.spec), at: now };
      return true;
    } catch (err) {
      if (isConflict(err)) return false; // someone else wrote first
      throw err;
    }
  }

  private async release(): Promise<void> {
    const lease = await this.opts.client.get<Lease>(this.target());
    if (lease.spec.holderIdentity !== this.opts.identity) return;
    await this.opts.client.update(this.target(), {
      ...lease,
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.clock.now()) },
    });
  }
}
