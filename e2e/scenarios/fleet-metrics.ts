/**
 * The profile fleet's own account of a fault, read from every instance's /metrics four times
 * a second: answers by cache tier and result, stale fallbacks, origin calls by outcome (the
 * guard's rejections among them) and their duration, and two gauges kept at each scrape
 * (origin calls in flight, the circuit breaker). Counters are summed over the instances as
 * the difference between two moments; a counter that went backwards (a restarted process)
 * counts from zero. Names come from the metric-name contract, so a rename breaks the build.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { labelValues, metrics } from '../../lib/1-ground/metric-names.js';

const SCRAPE_EVERY_MS = 250;
const SCRAPE_TIMEOUT_MS = 1000;

/** `name{labels}` → value, for the series a scenario reads. */
type Series = ReadonlyMap<string, number>;

interface Scrape {
  readonly at: number;
  /** One per instance, in endpoint order; null when it did not answer. */
  readonly pods: readonly (Series | null)[];
}

/** What the fleet did between two moments, summed over the instances. */
export interface FleetWindow {
  /** Reads: every read is one L1 lookup (hit, stale or miss). */
  readonly reads: number;
  /** Answered from cache: L1 hit, L1 fail-safe copy, L2 hit, L2 stale, stale fallback. */
  readonly served: number;
  /** L1 copies served because Redis could not be asked (fail-safe). */
  readonly failSafe: number;
  /** L2 entries served stale while one refresh runs (staleWhileRevalidate). */
  readonly staleWhileRevalidate: number;
  /** Fills answered with their stale value: origin failed or refused, or the lease holder was late. */
  readonly staleFallbacks: number;
  /** Calls the guard let through to the origin, whatever their outcome. */
  readonly originCalls: number;
  readonly originByOutcome: Readonly<Record<string, number>>;
  /** Calls the guard refused (circuit open or queue full). */
  readonly guardRejections: number;
  /** Mean duration of the origin calls that ran, ms (NaN when none ran). */
  readonly originMeanMs: number;
  readonly uncaughtErrors: number;
}

const labelsOf = (key: string): string => key.slice(key.indexOf('{'));
const label = (key: string, name: string): string | undefined => new RegExp(`[{,]${name}="([^"]*)"`).exec(key)?.[1];

/** The series of the names a FleetWindow needs, from one /metrics text. */
export function parseSeries(text: string): Series {
  const wanted = [
    metrics.cacheRequests.name,
    metrics.cacheStaleFallbacks.name,
    metrics.originRequests.name,
    `${metrics.originDuration.name}_sum`,
    `${metrics.originDuration.name}_count`,
    metrics.originInflight.name,
    metrics.originCircuitOpen.name,
    metrics.processUncaughtErrors.name,
  ];
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^([a-z_]+)(\{[^}]*\})? (\S+)$/gm)) {
    const [, name, labels = '{}', value] = m as unknown as [string, string, string | undefined, string];
    if (wanted.includes(name)) out.set(`${name}${labels}`, Number(value));
  }
  return out;
}

function sum(s: Series, name: string, where: (key: string) => boolean = () => true): number {
  let total = 0;
  for (const [k, v] of s) if (k.startsWith(`${name}{`) && where(labelsOf(k))) total += v;
  return total;
}

export class FleetSampler {
  private readonly scrapes: Scrape[] = [];
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly endpoints: readonly string[]) {}

  async start(): Promise<void> {
    const first = await this.scrape();
    if (first.pods.some((p) => p === null)) throw new Error('an instance did not answer /metrics before the run');
    this.scrapes.push(first);
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** The fleet's counters between two moments (performance.now() ms). */
  window(from: number, to: number): FleetWindow {
    const a = this.at(from);
    const b = this.at(to);
    const d = (name: string, where?: (labels: string) => boolean) =>
      b.pods.reduce((t, pod, i) => {
        if (pod === null) return t;
        const now = sum(pod, name, where);
        const prior = a.pods[i];
        const then = prior ? sum(prior, name, where) : 0;
        return t + (now >= then ? now - then : now);
      }, 0);
    const req = (tier: string, result: string) => d(metrics.cacheRequests.name, (l) => label(l, 'tier') === tier && label(l, 'result') === result);
    const byOutcome = Object.fromEntries(labelValues.originOutcome.map((o) => [o, d(metrics.originRequests.name, (l) => label(l, 'outcome') === o)]));
    const staleFallbacks = d(metrics.cacheStaleFallbacks.name);
    const failSafe = req('l1', 'stale');
    const swr = req('l2', 'stale');
    const count = d(`${metrics.originDuration.name}_count`);
    return {
      reads: d(metrics.cacheRequests.name, (l) => label(l, 'tier') === 'l1'),
      served: req('l1', 'hit') + failSafe + req('l2', 'hit') + swr + staleFallbacks,
      failSafe,
      staleWhileRevalidate: swr,
      staleFallbacks,
      originCalls: Object.entries(byOutcome).reduce((t, [o, n]) => t + (o === 'rejected' ? 0 : n), 0),
      originByOutcome: byOutcome,
      guardRejections: byOutcome['rejected'] ?? 0,
      originMeanMs: count > 0 ? (d(`${metrics.originDuration.name}_sum`) / count) * 1000 : NaN,
      uncaughtErrors: d(metrics.processUncaughtErrors.name),
    };
  }

  /** The most origin calls in flight on one instance at any scrape in [from, to]. */
  maxInflight(from: number, to: number): number {
    return Math.max(0, ...this.between(from, to).flatMap((s) => s.pods.map((p) => (p ? sum(p, metrics.originInflight.name) : 0))));
  }

  /** Whether any instance's origin circuit was seen open in [from, to]. */
  circuitOpenSeen(from: number, to: number): boolean {
    return this.between(from, to).some((s) => s.pods.some((p) => p !== null && sum(p, metrics.originCircuitOpen.name) > 0));
  }

  /** Scrapes in which some instance did not answer. */
  get gaps(): number {
    return this.scrapes.filter((s) => s.pods.some((p) => p === null)).length;
  }

  private between(from: number, to: number): Scrape[] {
    return this.scrapes.filter((s) => s.at >= from && s.at <= to);
  }

  /** The last scrape at or before `t` (the first one when `t` precedes them all). */
  private at(t: number): Scrape {
    let found = this.scrapes[0] as Scrape;
    for (const s of this.scrapes) {
      if (s.at > t) break;
      found = s;
    }
    return found;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(SCRAPE_EVERY_MS, undefined, { signal }).catch(() => undefined);
      if (!signal.aborted) this.scrapes.push(await this.scrape());
    }
  }

  private async scrape(): Promise<Scrape> {
    const pods = await Promise.all(
      this.endpoints.map((e) =>
        fetch(`${e}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) }).then(
          async (r) => parseSeries(await r.text()),
          () => null, // a pod that does not answer is a gap in the figures, not a failed run
        ),
      ),
    );
    return { at: performance.now(), pods };
  }
}
