/**
 * The read path after an L1 miss: one Redis GET decides. Fresh: served and kept in L1. Stale
 * within staleWhileRevalidate: served while one refresh runs. Otherwise the coalesced fill,
 * with a stale-if-error value when there is one. When Redis cannot be asked, the L1 copy kept
 * past l1.ttl stands in for the entry it was read from and is judged the same way (fail-safe,
 * docs/adr/0001-lease-and-fencing.md); while Redis answers, it never does.
 */
import { L2_DOWN } from '../l2/driver.js';
import type { Envelope, Freshness } from './envelope.js';
import { MISS } from './fill.js';
import type { FillCoordinator } from './fill-coordinator.js';
import type { Keyspace } from './keyspaces.js';
import type { L2Link } from './l2-link.js';
import { valueOf } from './not-found.js';
import type { Refresher } from './refresher.js';
import type { Factory } from './types.js';

export interface ReadDeps {
  readonly link: L2Link;
  readonly fills: FillCoordinator;
  readonly refresher: Refresher;
  readonly clock: { now(): number };
}

export class ReadHandler {
  constructor(private readonly deps: ReadDeps) {}

  async handle(key: string, ks: Keyspace, factory: Factory<unknown>): Promise<unknown> {
    let env: Envelope;
    try {
      const found = await this.deps.link.read(key, ks);
      const failSafe = found === L2_DOWN;
      const entry = failSafe ? (ks.l1.retained(key, this.deps.clock.now())?.env ?? null) : found;
      const state = entry === null ? 'dead' : this.deps.link.freshness(entry, ks, this.deps.clock.now());
      const served = entry !== null && (state === 'fresh' || state === 'stale-revalidate');
      this.count(ks, failSafe, served, state);
      env = served
        ? this.serve(key, ks, entry, state, failSafe, factory)
        : await this.deps.fills.run(key, ks, factory, state === 'stale-if-error' ? entry : null, MISS);
    } catch (err) {
      ks.countError(err);
      throw err;
    }
    return valueOf(env, key);
  }

  /**
   * The one place a read L1 could not answer is counted: a fail-safe copy served counts as an
   * L1 stale (L1 could not check it against Redis, the one thing l1.ttl promises); anything
   * else is an L1 miss, then an L2 hit, stale or miss.
   */
  private count(ks: Keyspace, failSafe: boolean, served: boolean, state: Freshness): void {
    if (failSafe && served) {
      ks.m.l1Stale.inc();
      return;
    }
    if (ks.l1.enabled) ks.m.l1Miss.inc();
    if (!served) ks.m.l2Miss.inc();
    else if (state === 'fresh') ks.m.l2Hit.inc();
    else ks.m.l2Stale.inc();
  }

  /** Serves a fresh entry (maybe flipping the XFetch coin) or a stale one while one refresh runs. */
  private serve(
    key: string,
    ks: Keyspace,
    env: Envelope,
    state: Freshness,
    failSafe: boolean,
    factory: Factory<unknown>,
  ): Envelope {
    const now = this.deps.clock.now();
    if (state !== 'fresh') {
      this.deps.refresher.schedule(key, ks, factory, 'stale', env);
      return env;
    }
    if (!failSafe) ks.keep(key, env, factory, now);
    if (ks.policy.earlyRefreshBeta !== null) this.deps.refresher.maybeEarly(key, ks, env, now, factory);
    return env;
  }
}
