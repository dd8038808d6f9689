/**
 * Lease releases that could not reach L2 (down, or a demoted node answering READONLY), kept
 * for a retry. A replica promoted in the meantime holds a copy of each lease, which would
 * block the next writer of that key for a whole leaseTTL; they are released again once L2
 * answers. Bounded: past the cap, a lease simply expires by its ttl.
 */
import { L2_DOWN, type L2Driver } from '../l2/driver.js';

export const MAX_UNRELEASED_LEASES = 10_000;

export class UnreleasedLeases {
  private byKey = new Map<string, string>();

  get size(): number {
    return this.byKey.size;
  }

  add(key: string, token: string): void {
    if (this.byKey.size >= MAX_UNRELEASED_LEASES && !this.byKey.has(key)) return;
    this.byKey.set(key, token);
  }

  /** Releases each again (compare-and-delete, so a lease someone else holds now stays); what fails is kept. */
  async retry(driver: L2Driver): Promise<void> {
    // Not while the breaker is open: this runs on a timer and must not spend its single trial.
    if (this.byKey.size === 0 || driver.breakerOpen) return;
    const all = [...this.byKey];
    this.byKey = new Map();
    for (const [key, token] of all) {
      if ((await driver.release(key, token)) === L2_DOWN) this.add(key, token);
    }
  }
}
