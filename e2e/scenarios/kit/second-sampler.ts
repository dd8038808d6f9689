/**
 * Per-second figures of a run: origin queries from pg_stat_statements and the fleet's cache
 * hit ratio from the services' own counters, sampled until stop().
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { countOriginReads } from '../../../example-app/profile/db.js';

/** One sample per second: origin queries (pg_stat_statements) and the fleet's cache counters. */
export interface Second {
  readonly at: number;
  readonly originQueries: number;
  readonly requests: number;
  /** Served from cache: L1 hits, L1 fail-safe copies (l1 stale), L2 hits and L2 stale-while-revalidate. */
  readonly served: number;
}

/** Samples every second until stop(): pg_stat_statements and every instance's /metrics. */
export class SecondSampler {
  readonly seconds: Second[] = [];
  /** Samples that failed, and the last reason: reported, so a run with gaps says so. */
  failures = 0;
  lastFailure = '';
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly db: pg.Client;

  constructor(
    databaseUrl: string,
    private readonly endpoints: readonly string[],
  ) {
    this.db = new pg.Client({ connectionString: databaseUrl });
  }

  async start(): Promise<void> {
    await this.db.connect();
    // The first sample is awaited here, so a broken origin counter fails the run at once, clearly.
    this.loop = this.run(this.abort.signal, await this.sample());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.db.end();
  }

  private async run(signal: AbortSignal, first: { at: number; origin: number; requests: number; served: number }): Promise<void> {
    let prev = first;
    let next = performance.now() + 1000;
    while (!signal.aborted) {
      await sleep(Math.max(0, next - performance.now()), undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      next += 1000;
      // A failed sample (a pod restarting, PostgreSQL busy) is a gap in the figures, never a crash of the run.
      const cur = await this.sample().catch((err: unknown) => {
        this.failures++;
        this.lastFailure = err instanceof Error ? err.message : String(err);
        return undefined;
      });
      if (!cur) continue;
      const dt = (cur.at - prev.at) / 1000;
      this.seconds.push({
        at: cur.at,
        originQueries: (cur.origin - prev.origin) / dt,
        requests: (cur.requests - prev.requests) / dt,
        served: (cur.served - prev.served) / dt,
      });
      prev = cur;
    }
  }

  private async sample(): Promise<{ at: number; origin: number; requests: number; served: number }> {
    const [origin, counters] = await Promise.all([countOriginReads(this.db), Promise.all(this.endpoints.map(cacheCounters))]);
    return {
      at: performance.now(),
      origin,
      requests: counters.reduce((n, c) => n + c.requests, 0),
      served: counters.reduce((n, c) => n + c.served, 0),
    };
  }

  /** Cache hit ratio over [from, to] from the per-second samples (requests-weighted). */
  hitRatio(from: number, to: number): number {
    const s = this.seconds.filter((x) => x.at > from && x.at <= to + 1000);
    const req = s.reduce((n, x) => n + x.requests, 0);
    // A request counted as an L1 miss just before a sample may be served from L2 just after it: cap at 1.
    return req === 0 ? NaN : Math.min(1, s.reduce((n, x) => n + x.served, 0) / req);
  }

  /** One line per second relative to `zero`: origin queries and hit ratio, for the human report. */
  timeline(zero: number, from: number, to: number): string {
    return this.seconds
      .filter((x) => x.at > from && x.at <= to + 1000)
      .map((x) => `${((x.at - zero) / 1000).toFixed(0).padStart(4)}s origin ${x.originQueries.toFixed(0).padStart(5)}/s  hit ${(x.requests ? Math.min(1, x.served / x.requests) : NaN).toFixed(3)}  req ${x.requests.toFixed(0)}/s`)
      .join('\n');
  }

  originBetween(from: number, to: number): number[] {
    return this.seconds.filter((x) => x.at > from && x.at <= to + 1000).map((x) => x.originQueries);
  }
}

/**
 * One instance's cache counters: requests = L1 lookups (each request counts once at L1: hit,
 * stale or miss); served = L1 hit + L1 stale (a fail-safe copy while Redis could not be
 * asked) + L2 hit + L2 stale. A dead instance counts 0.
 */
async function cacheCounters(endpoint: string): Promise<{ requests: number; served: number }> {
  const text = await fetch(`${endpoint}/metrics`).then((r) => r.text(), () => '');
  let requests = 0;
  let served = 0;
  for (const m of text.matchAll(/^herdguard_cache_requests_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = m[1] as string;
    const v = Number(m[2]);
    const tier = /tier="(\w+)"/.exec(labels)?.[1];
    const result = /result="(\w+)"/.exec(labels)?.[1];
    if (tier === 'l1') requests += v;
    if (result === 'hit' || result === 'stale') served += v;
  }
  return { requests, served };
}
