/**
 * Profile's readiness under the fail-safe design: the pod can serve if PostgreSQL answers
 * (every read and write works, cached or not) OR Redis answers (cached reads, stale values
 * within staleIfError, are served while the origin is down). Only when both are out is it
 * unready: then no request could succeed, and the load balancer should send it elsewhere.
 * Not a liveness check: a restart would not bring either back, and it would empty L1.
 */
import type { RedisClient } from '../../lib/4-cache/l2/redis-client.js';
import type { ProfileDb } from './db.js';

export interface ReadinessDeps {
  readonly db: ProfileDb;
  /** The Redis client in use now (it moves with a promotion). */
  readonly redis: () => RedisClient;
  /** Each probe's budget; an answer later than this counts as down. */
  readonly timeoutMs?: number;
  /** A verdict is reused this long, so a flood of /readyz cannot become a flood of queries. */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

export interface Verdict {
  readonly ready: boolean;
  readonly db: boolean;
  readonly redis: boolean;
}

export class ProfileReadiness {
  private last: { at: number; verdict: Verdict } | undefined;
  private pending: Promise<Verdict> | undefined;
  private readonly now: () => number;

  constructor(private readonly d: ReadinessDeps) {
    this.now = d.now ?? Date.now;
  }

  /** One probe at a time; concurrent callers share it. */
  check(): Promise<Verdict> {
    const cached = this.last;
    if (cached && this.now() - cached.at < (this.d.cacheMs ?? 1000)) return Promise.resolve(cached.verdict);
    this.pending ??= this.probe().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async probe(): Promise<Verdict> {
    const t = this.d.timeoutMs ?? 500;
    const [db, redis] = await Promise.all([
      within(t, async () => (await this.d.db.pool.query('SELECT 1')).rowCount === 1),
      within(t, async () => (await this.d.redis().ping()) === 'PONG'),
    ]);
    const verdict = { ready: db || redis, db, redis };
    this.last = { at: this.now(), verdict };
    return verdict;
  }
}

/** fn's answer, or false on error or after timeoutMs (the timer is always cleared). */
async function within(timeoutMs: number, fn: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([fn().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
