/**
 * The write path: `write` runs the writer and replaces the value everywhere, `delete` removes
 * it. Both take the key's lease even from a reader (taking it fences the reader's write) but
 * never from another writer (they queue), and supersede a fill in flight here, so a value read
 * before the change cannot land after it. The old value stays readable until replaced: no hole.
 */
import { L2UnavailableError, LeaseWaitTimeoutError } from '../../1-ground/errors.js';
import type { Logger } from '../../1-ground/log.js';
import { L2_DOWN } from '../l2/driver.js';
import type { Envelope } from './envelope.js';
import type { FillCoordinator } from './fill-coordinator.js';
import type { Keyspace } from './keyspaces.js';
import type { L2Link } from './l2-link.js';
import type { Origin } from './origin.js';
import type { Factory } from './types.js';

export interface WriteDeps {
  readonly link: L2Link;
  readonly fills: FillCoordinator;
  readonly origin: Origin;
  readonly clock: { now(): number };
  readonly logger: Logger;
}

export class WriteHandler {
  constructor(private readonly deps: WriteDeps) {}

  /** The envelope written (a negative one when the writer answered NOT_FOUND). */
  async write(key: string, ks: Keyspace, writer: Factory<unknown>): Promise<Envelope> {
    const { link, fills } = this.deps;
    fills.supersede(key);
    try {
      await link.whenReady(ks.policy.coalescing.waitTimeoutMs);
      const token = await this.acquire(key, ks);
      let released = false; // the fenced write releases the lease in the same step
      try {
        const made = await this.deps.origin.fetch(key, ks.policy, writer, token ?? link.newToken(true));
        if (made.storable) {
          released = (await fills.store(key, ks, made, writer, token ?? '')) === 'written';
          ks.m.refresh.write.inc();
        }
        return made.env;
      } finally {
        if (token !== null && !released) await link.release(key, token);
      }
    } catch (err) {
      ks.countError(err);
      throw err;
    }
  }

  async delete(key: string, ks: Keyspace): Promise<void> {
    const { link } = this.deps;
    this.deps.fills.supersede(key);
    ks.l1.delete(key);
    if (!link.connected) return;
    await link.whenReady(ks.policy.coalescing.waitTimeoutMs);
    const token = await this.acquire(key, ks);
    let removed = false;
    try {
      const r = await link.remove(key, token ?? '');
      if (r === L2_DOWN) throw new L2UnavailableError(key, 'delete');
      removed = r === 'written';
      if (!removed) {
        // Our lease was taken over by a newer writer: its value replaces what we meant to remove.
        ks.m.fencedRejected.inc();
        this.deps.logger.warn('fenced delete rejected: a newer writer holds the lease', { key, reason: r });
      }
      // A fill that ran while we waited may have put a copy in our L1.
      ks.l1.delete(key);
    } finally {
      if (token !== null && !removed) await link.release(key, token);
    }
  }

  /** The writer's lease: taken from a reader at once, waited for behind another writer; null without L2 or a lease. */
  private async acquire(key: string, ks: Keyspace): Promise<string | null> {
    const c = ks.policy.coalescing;
    if (!this.deps.link.connected || !c.distributed) return null;
    const deadline = this.deps.clock.now() + c.waitTimeoutMs;
    for (let backoff = 10; ; backoff = Math.min(backoff * 2, 250)) {
      const acq = await this.deps.link.acquireForWriter(key, c.leaseTtlMs);
      if (acq === L2_DOWN) return null;
      if (acq.won) return acq.token;
      const remaining = deadline - this.deps.clock.now();
      if (remaining <= 0) throw new LeaseWaitTimeoutError(key, c.waitTimeoutMs);
      await this.deps.link.filled(key, Math.min(backoff, remaining, Math.max(1, acq.holderPttlMs)));
    }
  }
}
