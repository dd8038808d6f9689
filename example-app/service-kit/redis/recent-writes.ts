/**
 * The writes this service made lately (e.g. a profile update through the cache), each with
 * how to repopulate its key from the origin. After a promotion they are repaired on the new
 * primary: a write's Redis copy may have died with the old one (the repair's fill
 * notification also clears other instances' L1 copies). Entries from before the suspect
 * window were replicated long ago and are left alone.
 */
import { silentLogger, type Logger } from '../../../lib/1-ground/log.js';
import type { RedisConnectionManager } from './connection.js';
import type { PromotionEvent } from './events.js';
import type { SuspectWindow } from './suspect-window.js';

/** Writes remembered for repair after a promotion: at most this many, for at most this long. */
export const RECENT_WRITES_MAX = 10_000;
export const RECENT_WRITES_MS = 60_000;
const REPAIR_CONCURRENCY = 8;

interface RecentWrite {
  readonly key: string;
  readonly at: number;
  readonly repair: () => Promise<void>;
}

export class RecentWrites {
  private writes: RecentWrite[] = [];
  private repairing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly manager: RedisConnectionManager,
    private readonly logger: Logger = silentLogger,
  ) {
    this.unsubscribe = manager.onPromotion((p: PromotionEvent) => {
      if (p.stage === 'switched') this.queueRepair(p.window);
    });
  }

  /**
   * Runs `fn` on the primary (withPrimary: READONLY moves and retries once) and remembers
   * `repair` for a while, in case a promotion follows.
   */
  async write<T>(key: string, fn: () => Promise<T>, repair: () => Promise<void>): Promise<T> {
    const now = this.manager.clock.now();
    this.writes.push({ key, at: now, repair });
    const keepFrom = this.writes.findIndex((w) => w.at >= now - RECENT_WRITES_MS);
    const drop = Math.max(keepFrom < 0 ? this.writes.length : keepFrom, this.writes.length - RECENT_WRITES_MAX);
    if (drop > 0) this.writes = this.writes.slice(drop);
    return this.manager.withPrimary(() => fn());
  }

  /** Stops repairing (what runs finishes) and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.repairing;
  }

  private queueRepair([from]: SuspectWindow): void {
    if (this.closed) return;
    const writes = this.writes.filter((w) => w.at >= from);
    this.logger.info('after a promotion: repairing recent writes', { writes: writes.length });
    this.repairing = this.repairing.then(() => this.repair(writes));
  }

  private async repair(writes: readonly RecentWrite[]): Promise<void> {
    const latest = new Map(writes.map((w) => [w.key, w]));
    const queue = [...latest.values()];
    const worker = async () => {
      for (let w = queue.shift(); w && !this.closed; w = queue.shift()) {
        await w.repair().catch((err: unknown) => this.logger.warn('could not repair a write after the promotion', { key: w.key, err }));
      }
    };
    await Promise.all(Array.from({ length: REPAIR_CONCURRENCY }, worker));
  }
}
