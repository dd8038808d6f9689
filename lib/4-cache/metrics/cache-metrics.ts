/**
 * The cache's instruments, with label children bound once per keyspace so the hit path
 * increments a child counter and never builds a label object.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { boundChild } from '../../1-ground/bound-counter.js';
import { labelValues, metrics } from '../../1-ground/metric-names.js';
import { counter, gauge, histogram } from '../../1-ground/prom.js';

type Child = { inc(n?: number): void };

export interface KeyspaceMetrics {
  readonly l1Hit: Child;
  readonly l1Miss: Child;
  /** An L1 copy past l1.ttl served because Redis could not be asked (fail-safe). */
  readonly l1Stale: Child;
  readonly l2Hit: Child;
  readonly l2Miss: Child;
  readonly l2Stale: Child;
  readonly coalescedLocal: Child;
  readonly coalescedDistributed: Child;
  readonly lease: Record<'acquired' | 'waited' | 'timeout' | 'takeover', Child>;
  readonly refresh: Record<(typeof labelValues.refreshReason)[number], Child>;
  readonly fencedRejected: Child;
  /** A fill answered with its stale value instead of an origin answer (staleIfError) or a lease holder's. */
  readonly staleFallback: Record<(typeof labelValues.staleFallback)[number], Child>;
  readonly warmupOk: Child;
  readonly warmupFailed: Child;
  error(code: string): void;
  setHotKeys(top: ReadonlyArray<{ ratePerSec: number; share: number }>): void;
}

export type OriginOutcome = (typeof labelValues.originOutcome)[number];

export class CacheMetrics {
  private readonly requests: Counter<string>;
  private readonly coalesced: Counter<string>;
  private readonly leaseC: Counter<string>;
  private readonly refreshC: Counter<string>;
  private readonly fenced: Counter<string>;
  private readonly errors: Counter<string>;
  private readonly staleFallbacks: Counter<string>;
  private readonly warmup: Counter<string>;
  private readonly hotShare: Gauge<string>;
  private readonly hotRate: Gauge<string>;
  private readonly l1Entries: Gauge<string>;
  private readonly originReq: Counter<string>;
  private readonly originDur: Histogram<string>;
  private readonly originInflight: Gauge<string>;
  private readonly circuit: Gauge<string>;
  private readonly byKeyspace = new Map<string, KeyspaceMetrics>();

  constructor(
    registry: Registry,
    private readonly service: string,
    private readonly origin: string,
  ) {
    this.requests = counter(registry, metrics.cacheRequests);
    this.coalesced = counter(registry, metrics.cacheCoalesced);
    this.leaseC = counter(registry, metrics.cacheLease);
    this.refreshC = counter(registry, metrics.cacheRefresh);
    this.fenced = counter(registry, metrics.cacheFencedWritesRejected);
    this.errors = counter(registry, metrics.cacheErrors);
    this.staleFallbacks = counter(registry, metrics.cacheStaleFallbacks);
    this.warmup = counter(registry, metrics.warmupKeys);
    this.hotShare = gauge(registry, metrics.hotKeyShare);
    this.hotRate = gauge(registry, metrics.hotKeyRate);
    this.l1Entries = gauge(registry, metrics.cacheL1Entries);
    this.originReq = counter(registry, metrics.originRequests);
    this.originDur = histogram(registry, metrics.originDuration);
    this.originInflight = gauge(registry, metrics.originInflight);
    this.circuit = gauge(registry, metrics.originCircuitOpen);
    this.circuit.set({ service, origin }, 0);
  }

  /** Children for one keyspace (label value = its prefix; keyspaces are bounded by the schema). */
  keyspace(prefix: string): KeyspaceMetrics {
    let m = this.byKeyspace.get(prefix);
    if (!m) this.byKeyspace.set(prefix, (m = this.build(prefix)));
    return m;
  }

  /** Drops children of keyspaces the policy no longer has. */
  retain(prefixes: ReadonlySet<string>): void {
    for (const p of this.byKeyspace.keys()) if (!prefixes.has(p)) this.byKeyspace.delete(p);
  }

  originCall(outcome: OriginOutcome, seconds: number): void {
    this.originReq.inc({ service: this.service, origin: this.origin, outcome });
    if (outcome !== 'rejected')
      this.originDur.observe({ service: this.service, origin: this.origin }, seconds);
  }

  setOriginInflight(n: number): void {
    this.originInflight.set({ service: this.service, origin: this.origin }, n);
  }

  setCircuitOpen(open: boolean): void {
    this.circuit.set({ service: this.service, origin: this.origin }, open ? 1 : 0);
  }

  setL1Entries(n: number): void {
    this.l1Entries.set({ service: this.service }, n);
  }

  private build(keyspace: string): KeyspaceMetrics {
    const base = { service: this.service, keyspace };
    // Counted on every get(): bound children (see bound-counter.ts), not prom-client's own.
    const req = (tier: string, result: string) => boundChild(this.requests, { ...base, tier, result });
    const lease = (result: string) => this.leaseC.labels({ ...base, result });
    const refresh = Object.fromEntries(
      labelValues.refreshReason.map((r) => [r, this.refreshC.labels({ ...base, reason: r })]),
    ) as KeyspaceMetrics['refresh'];
    return {
      l1Hit: req('l1', 'hit'),
      l1Miss: req('l1', 'miss'),
      l1Stale: req('l1', 'stale'),
      l2Hit: req('l2', 'hit'),
      l2Miss: req('l2', 'miss'),
      l2Stale: req('l2', 'stale'),
      coalescedLocal: this.coalesced.labels({ ...base, scope: 'local' }),
      coalescedDistributed: this.coalesced.labels({ ...base, scope: 'distributed' }),
      lease: {
        acquired: lease('acquired'),
        waited: lease('waited'),
        timeout: lease('timeout'),
        takeover: lease('takeover'),
      },
      refresh,
      fencedRejected: this.fenced.labels(base),
      staleFallback: {
        origin_failed: this.staleFallbacks.labels({ ...base, reason: 'origin_failed' }),
        lease_wait_timeout: this.staleFallbacks.labels({ ...base, reason: 'lease_wait_timeout' }),
      },
      warmupOk: this.warmup.labels({ ...base, result: 'ok' }),
      warmupFailed: this.warmup.labels({ ...base, result: 'error' }),
      error: (code) => this.errors.inc({ ...base, code }),
      setHotKeys: (top) => {
        labelValues.hotKeyRanks.forEach((rank, i) => {
          this.hotShare.set({ ...base, rank }, top[i]?.share ?? 0);
          this.hotRate.set({ ...base, rank }, top[i]?.ratePerSec ?? 0);
        });
      },
    };
  }
}
