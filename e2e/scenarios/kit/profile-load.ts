/**
 * Open-loop profile load with a Zipf key mix and tracked writes, owned by whoever calls
 * start(): its loops end in stop().
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { seededRandom } from '../../../lib/1-ground/random.js';
import { USERS } from './policies.js';

/** Ids 1..n drawn with P(rank r) ∝ 1/r^s (seeded): a few hot profiles, a long tail. */
export function zipf(n: number, s: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 1; r <= n; r++) cdf[r - 1] = sum += 1 / r ** s;
  const random = seededRandom(seed);
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

export interface LoadOptions {
  readonly endpoints: readonly string[];
  readonly getsPerSecond: number;
  /** Tracked writes: PUTs on ids 1..ids (the hottest), one in flight per id. */
  readonly writes?: { readonly ids: number; readonly putsPerSecond: number };
  readonly seed?: number;
  readonly maxInFlight?: number;
  /** Connections per instance (default 64): a slow answer holds one, and the GETs behind it queue here. */
  readonly connections?: number;
}

interface Ack {
  readonly version: number;
  readonly at: number;
}

/** A GET that returned an older version than one acknowledged before the GET was sent. */
export interface StaleRead {
  readonly id: number;
  readonly at: number;
  /** From the acknowledgement of the first newer version to the stale answer. */
  readonly staleMs: number;
}

/**
 * Open-loop profile load: GETs at a fixed rate over a Zipf mix spread round-robin over the
 * instances (like a Service), and tracked PUTs whose acknowledged versions every later GET
 * is checked against. Times are performance.now() milliseconds.
 */
export class ProfileLoad {
  private readonly pools: Pool[];
  private readonly next: () => number;
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private rr = 0;
  private stopped: Promise<void> | undefined;
  readonly acks = new Map<number, Ack[]>();
  readonly stale: StaleRead[] = [];
  /** Failures by name ("HTTP 503 E_ORIGIN_REJECTED", "UND_ERR_SOCKET", …) with their times. */
  readonly errors: Array<{ name: string; at: number }> = [];
  /** Every GET answered or failed: when, how long it took, whether it was a 200. */
  readonly gets: Array<{ at: number; ms: number; ok: boolean }> = [];
  ok = 0;
  puts = 0;
  /** GETs not sent because maxInFlight were outstanding (the client, not the service, was the limit). */
  skipped = 0;

  constructor(private readonly o: LoadOptions) {
    this.pools = o.endpoints.map((e) => new Pool(e, { connections: o.connections ?? 64, pipelining: 1 }));
    this.next = zipf(USERS, 1, o.seed ?? 42);
  }

  start(): void {
    this.loops = [this.getLoop(this.abort.signal)];
    const w = this.o.writes;
    if (w) for (let id = 1; id <= w.ids; id++) this.loops.push(this.putLoop(id, w.putsPerSecond / w.ids, this.abort.signal));
  }

  /** Ends the loops, waits for every request in flight and closes the pools; once, however often called. */
  stop(): Promise<void> {
    this.stopped ??= this.close();
    return this.stopped;
  }

  private async close(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
    await Promise.all([...this.inflight]);
    await Promise.all(this.pools.map((p) => p.close()));
  }

  errorsBetween(from: number, to: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.errors) if (e.at >= from && e.at <= to) out.set(e.name, (out.get(e.name) ?? 0) + 1);
    return out;
  }

  lastAcked(id: number): number {
    return this.acks.get(id)?.at(-1)?.version ?? 0;
  }

  private pool(): Pool {
    const p = this.pools[this.rr++ % this.pools.length] as Pool;
    return p;
  }

  private async getLoop(signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const max = this.o.maxInFlight ?? 512;
    let sent = 0;
    while (!signal.aborted) {
      const due = Math.floor(((performance.now() - started) * this.o.getsPerSecond) / 1000) - sent;
      for (let i = 0; i < due; i++) {
        sent++;
        if (this.inflight.size >= max) {
          this.skipped++;
          continue;
        }
        const p = this.get(this.next()).finally(() => this.inflight.delete(p));
        this.inflight.add(p);
      }
      await sleep(5);
    }
  }

  private async get(id: number): Promise<void> {
    const sentAt = performance.now();
    let ok = false;
    try {
      const r = await this.pool().request({ path: `/users/${id}`, method: 'GET' });
      if (r.statusCode !== 200) return this.fail(await failureName(r.statusCode, r.body));
      const profile = (await r.body.json()) as { version: number };
      this.ok++;
      ok = true;
      this.checkFresh(id, profile.version, sentAt, performance.now());
    } catch (err) {
      this.fail(networkFailureName(err));
    } finally {
      const at = performance.now();
      this.gets.push({ at, ms: at - sentAt, ok });
    }
  }

  private checkFresh(id: number, version: number, sentAt: number, at: number): void {
    const acks = this.acks.get(id);
    if (!acks) return;
    // The first version newer than the one served that was acknowledged before this GET was sent.
    const newer = acks.find((a) => a.version > version && a.at <= sentAt);
    if (newer) this.stale.push({ id, at, staleMs: at - newer.at });
  }

  private async putLoop(id: number, perSecond: number, signal: AbortSignal): Promise<void> {
    const gapMs = 1000 / perSecond;
    let n = 0;
    while (!signal.aborted) {
      const t = performance.now();
      try {
        const r = await this.pool().request({
          path: `/users/${id}`,
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ bio: `e2e write ${++n}` }),
        });
        if (r.statusCode === 200) {
          const p = (await r.body.json()) as { version: number };
          const list = this.acks.get(id) ?? [];
          list.push({ version: p.version, at: performance.now() });
          this.acks.set(id, list);
          this.puts++;
        } else {
          this.fail(`PUT ${await failureName(r.statusCode, r.body)}`);
        }
      } catch (err) {
        this.fail(`PUT ${networkFailureName(err)}`);
      }
      await sleep(Math.max(0, gapMs - (performance.now() - t)));
    }
  }

  private fail(name: string): void {
    this.errors.push({ name, at: performance.now() });
  }
}

async function failureName(status: number, body: { json(): Promise<unknown> }): Promise<string> {
  const doc = (await body.json().catch(() => ({}))) as { error?: { code?: string } };
  return `HTTP ${status} ${doc.error?.code ?? ''}`.trim();
}

function networkFailureName(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'unknown';
}
