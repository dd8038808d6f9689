/**
 * Shared parts of the Redis chaos scenarios: the stack (Redis StatefulSet, PostgreSQL, 3
 * profile instances, the operator), a profile load with a Zipf key mix and tracked writes,
 * and the samplers that turn a run into figures: per-second origin queries from
 * pg_stat_statements, per-second cache hit ratio from the services' own counters, and the
 * number of Redis nodes answering as primary at once.
 *
 * Every loop here has an owner: it is started by a `start()` and ends in that object's
 * `stop()`, which the scenario calls in a `finally`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Pool } from 'undici';
import { seededRandom } from '../../testkit/cache/fake-clock.js';
import { countOriginReads } from '../../example-app/profile/db.js';
import { DEFAULT_POLICY_SPEC } from '../../example-app/profile/default-policy.js';
import { parseReplicationInfo, type ReplicationInfo } from '../../operator/failover/replication-info.js';
import { HttpKubeClient } from '../../lib/2-kube/client.js';
import { resources, type KubeObject } from '../../lib/2-kube/resources.js';
import { POLICY_KEY, renderedConfigMapName } from '../../lib/3-policy/names.js';
import type { CachePolicyObject } from '../../lib/3-policy/objects.js';
import type { Provider, ServiceSpec, StackSpec } from '../providers/provider.js';
import type { ScenarioContext } from './scenario.js';

export const NS = 'herdguard-redis';
export const SERVICE = 'profile';
export const INSTANCES = 3;
export const USERS = 10_000;
export const DETECT_AFTER_MS = 1500;
export const CHECK_INTERVAL_MS = 250;
export const WARMUP_RATE = 1000;
/**
 * The documented stale-read bound (ADR 0004): detection (detectAfter + one check), the
 * promotion steps and their publication (≤ 0.5 s), policy delivery to the services
 * (≤ 0.5 s) and one origin fetch of the refreshed entry (≤ 0.25 s).
 */
export const STALE_BOUND_MS = DETECT_AFTER_MS + CHECK_INTERVAL_MS + 500 + 500 + 250;

/**
 * The profile's built-in policy (ttl 60 s + jitter up to 10 min) plus the Redis it caches in
 * and the cold-start warmup. Nothing primed expires within a scenario run: the planned
 * restart, cold restart and operator-kill scenarios measure the switchover, the warmup and
 * the handover against a cache that stays warm, and keep this policy.
 */
export const PROFILE_POLICY: Record<string, unknown> = {
  ...DEFAULT_POLICY_SPEC,
  warmup: { onColdRedis: true, topKeys: USERS, ratePerSecond: WARMUP_RATE },
  redis: {
    statefulSetRef: { name: 'redis' },
    failover: { enabled: true, detectAfter: `${DETECT_AFTER_MS}ms`, checkInterval: `${CHECK_INTERVAL_MS}ms` },
  },
};

export const TURNOVER_TTL_MS = 10_000;
export const TURNOVER_JITTER_MS = 5_000;

/**
 * PROFILE_POLICY with a TTL short enough for the working set to turn over during a run
 * (ttl 10 s + jitter up to 5 s; XFetch β 1 and staleIfError 10 min as built in), for the
 * scenarios that compare a fault's origin load with the steady one (redis-primary-kill,
 * stale-after-failover). The steady origin rate is then a warm cache's refresh traffic:
 * XFetch before expiry and SWR after it. Stale-while-revalidate is 60 s rather than the
 * built-in 30 s: with 30 s, a Zipf-tail key unread for ttl + jitter + 30 s was a plain miss
 * (~7 % of reads at 1 000 GET/s), so the hit ratio measured the policy, not the failover.
 */
export const TURNOVER_POLICY: Record<string, unknown> = {
  ...PROFILE_POLICY,
  keyspaces: DEFAULT_POLICY_SPEC.keyspaces.map((ks) => ({
    ...ks,
    ttl: `${TURNOVER_TTL_MS}ms`,
    jitter: { max: `${TURNOVER_JITTER_MS}ms` },
    staleWhileRevalidate: '60s',
  })),
};

/**
 * Load before the fault under TURNOVER_POLICY, from the end of priming: priming writes every
 * key within a few seconds, so they all expire within one ttl + jitter of it (a wave); three
 * such periods spread the refreshes into a steady rate (one period under --quick: shorter,
 * and the steady window then still holds the end of the wave).
 */
export function steadyWarmMs(quick: boolean): number {
  return (quick ? 1 : 3) * (TURNOVER_TTL_MS + TURNOVER_JITTER_MS);
}

/** The Redis section of the profile policy: the StatefulSet the operator fails over, and how. */
export const PROFILE_REDIS = PROFILE_POLICY['redis'];

export interface StackOptions {
  readonly redisPods: number;
  readonly operators?: number;
  readonly operatorEnv?: Readonly<Record<string, string>>;
  /** The operator container's args: another entry point of the image (operator/chaos/…). */
  readonly operatorArgs?: readonly string[];
  /** The profile's CachePolicy spec (default PROFILE_POLICY). */
  readonly policySpec?: Record<string, unknown>;
  /** Services deployed beside the profile instances (the demo adds market-data). */
  readonly extraServices?: readonly ServiceSpec[];
  readonly feedSimulator?: StackSpec['feedSimulator'];
}

/** Deploys the stack and waits until every profile instance follows the primary the operator published. */
export async function deployRedisStack(ctx: ScenarioContext, o: StackOptions): Promise<KubeApi> {
  await ctx.provider.deployStack({
    namespace: NS,
    redis: { pods: o.redisPods },
    postgres: { users: USERS },
    operators: o.operators ?? 1,
    ...(o.operatorEnv ? { operatorEnv: o.operatorEnv } : {}),
    ...(o.operatorArgs ? { operatorArgs: o.operatorArgs } : {}),
    ...(o.feedSimulator ? { feedSimulator: o.feedSimulator } : {}),
    services: [{ name: SERVICE, replicas: INSTANCES, policySpec: o.policySpec ?? PROFILE_POLICY }, ...(o.extraServices ?? [])],
  });
  const api = new KubeApi(ctx.provider.kubeconfigPath, ctx.provider.policyName(SERVICE), (n) => ctx.provider.podName(n));
  await until('the operator published the Redis primary', async () => (await api.renderedPrimary()) !== null, 60_000);
  ctx.log(`stack up: ${ctx.provider.processes().join(', ')}; primary ${String(await api.renderedPrimary())}`);
  return api;
}

/** Polls `probe` every 50 ms until true; throws naming what never happened. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await probe().catch(() => false)) return performance.now();
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** The scenario's view of the API: the CachePolicy status and the rendered policy. */
export class KubeApi {
  readonly client: HttpKubeClient;
  constructor(
    kubeconfigPath: string,
    /** The profile's CachePolicy (and so its rendered ConfigMap). */
    private readonly policyName: string,
    /** The Pod behind a process name ('redis-1'). */
    private readonly podOf: (name: string) => string,
  ) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    this.client = new HttpKubeClient({ kubeConfig: kc, userAgent: 'herdguard-e2e-redis' });
  }

  async policy(): Promise<CachePolicyObject> {
    return this.client.get<CachePolicyObject>({ res: resources.cachePolicies, namespace: NS, name: this.policyName });
  }

  /** `redis.primary` (host:port) of the rendered policy the services watch, or null. */
  async renderedPrimary(): Promise<string | null> {
    const cm = await this.client.get<KubeObject & { data?: Record<string, string> }>({
      res: resources.configMaps,
      namespace: NS,
      name: renderedConfigMapName(this.policyName),
    });
    const doc = JSON.parse(cm.data?.[POLICY_KEY] ?? '{}') as { redis?: { primary?: string } };
    return doc.redis?.primary ?? null;
  }

  /** A label of the Pod behind a process name. */
  async podLabel(name: string, label: string): Promise<string | undefined> {
    return (await this.client.get<KubeObject>({ res: resources.pods, namespace: NS, name: this.podOf(name) })).metadata.labels?.[label];
  }

  close(): void {
    this.client.close();
  }
}

// ---------------------------------------------------------------- Zipf key mix

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

// ---------------------------------------------------------------- load

/**
 * Reads every profile once through the services (bounded concurrency), so the run starts
 * from a cache in steady state: the whole working set in Redis, as after hours of traffic.
 */
export async function primeAll(endpoints: readonly string[], users: number, concurrency = 32): Promise<void> {
  const pools = endpoints.map((e) => new Pool(e, { connections: concurrency }));
  let next = 1;
  const worker = async () => {
    for (let id = next++; id <= users; id = next++) {
      const r = await (pools[id % pools.length] as Pool).request({ path: `/users/${id}`, method: 'GET' });
      await r.body.dump();
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
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

  async stop(): Promise<void> {
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

// ---------------------------------------------------------------- samplers

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

/**
 * Asks every Redis pod INFO replication every 50 ms through its own fail-fast connection:
 * the most nodes seen answering role:master at once, and (when armed) the first moment a
 * node other than `exclude` accepts a write.
 */
export class RedisWatcher {
  maxPrimaries = 0;
  firstWriteAt: number | null = null;
  private writeProbe: { exclude: string; since: number } | null = null;
  private readonly clients = new Map<string, Redis>();
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  readonly last = new Map<string, ReplicationInfo | null>();

  constructor(pods: Record<string, { host: string; port: number; password?: string }>) {
    for (const [name, addr] of Object.entries(pods)) {
      const c = new Redis({
        ...addr,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: 200,
        commandTimeout: 200,
        retryStrategy: () => 50,
      });
      c.on('error', () => undefined); // a dead node is an observation, not a failure
      this.clients.set(name, c);
    }
  }

  start(): void {
    for (const c of this.clients.values()) c.connect().catch(() => undefined);
    this.loop = this.run(this.abort.signal);
  }

  /** Records the first write accepted by a node other than `exclude` from now on. */
  armWriteProbe(exclude: string, since: number): void {
    this.firstWriteAt = null;
    this.writeProbe = { exclude, since };
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    for (const c of this.clients.values()) c.disconnect();
  }

  primaries(): string[] {
    return [...this.last].filter(([, i]) => i?.role === 'master').map(([n]) => n);
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await Promise.all([...this.clients].map(([name, c]) => this.check(name, c)));
      this.maxPrimaries = Math.max(this.maxPrimaries, this.primaries().length);
      await sleep(this.writeProbe && this.firstWriteAt === null ? 10 : 50);
    }
  }

  private async check(name: string, c: Redis): Promise<void> {
    try {
      const [info, keys] = await Promise.all([c.call('INFO', 'server', 'replication') as Promise<string>, c.dbsize()]);
      this.last.set(name, parseReplicationInfo(info, keys));
    } catch {
      this.last.set(name, null);
    }
    const probe = this.writeProbe;
    if (probe && this.firstWriteAt === null && name !== probe.exclude) {
      const ok = await c.set('herdguard:e2e:write-probe', String(Date.now())).then(
        () => true,
        () => false, // READONLY from a replica, or no answer
      );
      if (ok) this.firstWriteAt = performance.now();
    }
  }
}

/** The role a Redis answers with now ('master', 'replica'), or 'absent' when it does not answer within 1 s. */
export async function roleOf(addr: { host: string; port: number; password?: string }): Promise<string> {
  const c = new Redis({ ...addr, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, commandTimeout: 1000, retryStrategy: () => null });
  c.on('error', () => undefined); // no answer is an answer: absent
  try {
    await c.connect();
    return parseReplicationInfo((await c.call('INFO', 'replication')) as string, 0).role;
  } catch {
    return 'absent';
  } finally {
    c.disconnect();
  }
}

/**
 * Acknowledged writes the services no longer serve: for each written profile, every
 * instance is asked once; an answer older than the last acknowledged version counts that
 * profile as lost.
 */
export async function verifyAcknowledged(load: ProfileLoad, endpoints: readonly string[], writeIds: number): Promise<number> {
  const pools = endpoints.map((e) => new Pool(e, { connections: 4 }));
  let lost = 0;
  try {
    for (let id = 1; id <= writeIds; id++) {
      const acked = load.lastAcked(id);
      const versions = await Promise.all(
        pools.map(async (p) => {
          const r = await p.request({ path: `/users/${id}`, method: 'GET' });
          return ((await r.body.json()) as { version: number }).version;
        }),
      );
      if (versions.some((v) => v < acked)) lost++;
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return lost;
}

// ---------------------------------------------------------------- figures

export const round = (x: number, digits = 3): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** "HTTP 503 E_ORIGIN_REJECTED×12, ECONNRESET×3" */
export function nameErrors(m: Map<string, number>): string {
  return [...m].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n}×${c}`).join(', ') || 'none';
}

/** Which operator process holds the leader Lease (herdguard_operator_leader 1). */
export async function leaderOperator(p: Provider): Promise<string | null> {
  for (const name of p.processes().filter((n) => n.startsWith('operator'))) {
    const text = await fetch(`${p.endpoint(name)}/metrics`).then((r) => r.text(), () => '');
    if (/^herdguard_operator_leader 1$/m.test(text)) return name;
  }
  return null;
}

export function profileEndpoints(p: Provider): string[] {
  return p.processes().filter((n) => n.startsWith(`${SERVICE}-`)).map((n) => p.endpoint(n));
}
