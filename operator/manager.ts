/**
 * Wires controllers to shared informers, leader election and a runner per leadership term.
 * Informers run on every replica (a warm standby takes over without relisting); only the
 * leader's workers reconcile, and a replica that loses the lease stops acting at once.
 */
import type { Logger } from '../lib/1-ground/log.js';
import type { Controller, SetupContext } from './controller.js';
import type { KubeClient } from '../lib/2-kube/client.js';
import type { Clock } from '../lib/1-ground/clock.js';
import { eventRecorder } from '../lib/2-kube/events.js';
import { Informer } from '../lib/2-kube/informer.js';
import { LeaderElector } from '../lib/2-kube/leader.js';
import type { KubeObject, Resource } from '../lib/2-kube/resources.js';
import { slimForCache } from '../lib/2-kube/slim.js';
import type { OperatorMetrics } from './metrics.js';
import { ControllerRunner } from './runner.js';

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface ManagerOptions {
  client: KubeClient;
  controllers: Controller[];
  identity: string;
  /** Watch one namespace; all namespaces when unset. */
  namespace?: string;
  /** false: act at once (a single replica, or tests). */
  leaderElection: LeaderElectionConfig | false;
  clock: Clock;
  logger: Logger;
  metrics: OperatorMetrics;
}

export class Manager {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private runners = new Map<string, ControllerRunner>();
  private elector: LeaderElector | undefined;
  private leading = false;
  private synced = false;
  private transition: Promise<void> = Promise.resolve();

  constructor(private readonly o: ManagerOptions) {
    for (const c of o.controllers) c.setup(this.setupContext(c));
  }

  get ready(): boolean {
    return this.synced;
  }
  get isLeader(): boolean {
    return this.leading;
  }
  /** Rejects (E_NOT_LEADER) unless the Lease is still ours with a clock-skew margin; resolves at once without leader election. */
  ensureLeading(): Promise<void> {
    return this.elector ? this.elector.ensureLeading() : Promise.resolve();
  }
  informerStats() {
    return [...this.informers.entries()].map(([k, i]) => ({ informer: k, ...i.stats }));
  }
  /** For the chaos tests: every informer drops its watch and resumes it. */
  interruptWatches(): void {
    for (const i of this.informers.values()) i.interruptWatch();
  }

  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    this.synced = true;
    this.o.logger.info('informers synced', { informers: [...this.informers.keys()] });
    if (this.o.leaderElection === false) return this.setLeading(true);
    this.elector = new LeaderElector({
      client: this.o.client,
      identity: this.o.identity,
      clock: this.o.clock,
      logger: this.o.logger,
      ...this.o.leaderElection,
      onStartedLeading: () => this.setLeading(true),
      onStoppedLeading: () => this.setLeading(false),
    });
    this.elector.start();
  }

  async stop(): Promise<void> {
    await this.elector?.stop(); // releases the lease: the standby takes over without waiting it out
    this.setLeading(false);
    await this.transition;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  private setLeading(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    this.o.metrics.leader.set(v ? 1 : 0);
    // Start/stop in order, never overlapping: a quick lose-then-win waits for the old term's workers.
    this.transition = this.transition.then(() => (v ? this.startRunners() : this.stopRunners()));
  }

  private startRunners(): void {
    if (!this.leading) return;
    const ctx = {
      client: this.o.client,
      clock: this.o.clock,
      logger: this.o.logger,
      events: eventRecorder(this.o.client, 'herdguard-operator', this.o.identity, () => this.o.clock.now()),
    };
    for (const c of this.o.controllers) {
      const r = new ControllerRunner(c, ctx, this.o.metrics, this.o.clock);
      this.runners.set(c.name, r);
      r.start();
    }
  }

  private async stopRunners(): Promise<void> {
    const runners = [...this.runners.values()];
    this.runners = new Map();
    await Promise.all(runners.map((r) => r.stop()));
  }

  private setupContext(c: Controller): SetupContext {
    return {
      informer: <T extends KubeObject>(res: Resource, opts: { labelSelector?: string } = {}) => {
        const key = `${res.plural}.${res.group}?${opts.labelSelector ?? ''}`;
        let inf = this.informers.get(key);
        if (!inf) {
          inf = new Informer<KubeObject>({
            client: this.o.client,
            res,
            clock: this.o.clock,
            logger: this.o.logger,
            // The caches keep only what the controllers read (issue 15: 500 policies idle under 100 MB).
            transform: slimForCache,
            ...(this.o.namespace ? { namespace: this.o.namespace } : {}),
            ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
          });
          this.informers.set(key, inf);
        }
        return inf as unknown as Informer<T>;
      },
      enqueue: (key) => this.runners.get(c.name)?.queue.add(key),
    };
  }
}
