/**
 * One run of a dependency fault (origin-faults.ts) under the usual profile load: the Redis
 * stack with 3 profile instances on ORIGIN_FAULT_POLICY, half the profiles primed, 1 000
 * GET/s over a Zipf mix, a steady phase, the fault held, then the heal and a settling phase. Figures
 * come from the load itself (errors by name, latency), from the instances' /metrics
 * (FleetSampler: answers by tier, stale answers, origin calls, the guard's rejections) and
 * from PostgreSQL (DbProbe: origin reads running at once).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { podsOf } from '../providers/pods.js';
import type { Provider } from '../providers/provider.js';
import { FleetSampler, type FleetWindow } from './fleet-metrics.js';
import { DbProbe } from './postgres-faults.js';
import { nameErrors, round } from './kit/figures.js';
import type { KubeApi } from './kit/kube-api.js';
import { INSTANCES, NS, SERVICE, TURNOVER_POLICY, USERS } from './kit/policies.js';
import { ProfileLoad } from './kit/profile-load.js';
import { primeAll } from './kit/profile-reads.js';
import { deployRedisStack, profileEndpoints } from './kit/stack.js';
import type { ScenarioContext, ScenarioResult } from './scenario.js';
import { percentile } from './stats.js';

const REDIS_PODS = 2;
export const GETS_PER_SECOND = 1000;
/** Profiles read once before the load: the rest of the Zipf tail is never cached when the fault comes. */
const PRIMED_USERS = USERS / 2;

/**
 * TURNOVER_POLICY (ttl 10 s + jitter 5 s) with staleWhileRevalidate 10 s: an entry unread for
 * 25 s is in its staleIfError window, so a fault meets every state at once: fresh, stale
 * while revalidating, stale if error, and never cached (the unprimed half of the profiles).
 */
export const ORIGIN_FAULT_POLICY: Record<string, unknown> = {
  ...TURNOVER_POLICY,
  keyspaces: (TURNOVER_POLICY['keyspaces'] as Record<string, unknown>[]).map((ks) => ({ ...ks, staleWhileRevalidate: '10s' })),
};
/** The origin guard's limit per instance (the built-in origin section). */
export const GUARD_MAX_CONCURRENCY = (ORIGIN_FAULT_POLICY['origin'] as { maxConcurrency: number }).maxConcurrency;
/**
 * Longer than any wait the service has (originTimeout 2 s, the lease's waitTimeout 2 s): a
 * GET that takes this long hangs rather than fails fast.
 */
export const HANG_MS = 10_000;
/** A second after the heal counts as recovered when its p99 is under this or twice the steady p99. */
const RECOVERED_P99_FLOOR_MS = 100;

/** What a fault may use of the running stack. */
export interface Stack {
  readonly api: KubeApi;
  readonly endpoints: readonly string[];
  /** The profile instances' process names ('profile-0', …). */
  readonly profiles: readonly string[];
  readonly db: DbProbe;
}

/** A fault in place, from `apply` until its heal. */
export interface Applied {
  /** Ends the fault. */
  heal(): Promise<void>;
  /** The fault's own figures, read after the run. */
  figures?(): ScenarioResult;
}

export interface OriginFault {
  readonly name: string;
  readonly description: string;
  /** How long the fault holds before its heal is called (the heal may wait longer). */
  holdMs(quick: boolean): number;
  /** Before priming and the load: puts what the fault needs in the path; resolves to its removal. */
  prepare?(ctx: ScenarioContext, stack: Stack): Promise<() => Promise<void>>;
  apply(ctx: ScenarioContext, stack: Stack): Promise<Applied>;
}

/** Each profile pod's uid and container: a change means a process ended. */
async function profileContainers(p: Provider): Promise<Map<string, string>> {
  return new Map(
    (await podsOf(p, NS)).filter((x) => x.component === SERVICE && !x.deleting).map((x) => [x.uid, x.containerId ?? 'not running']),
  );
}

export async function runOriginFault(ctx: ScenarioContext, fault: OriginFault): Promise<ScenarioResult> {
  const p = ctx.provider;
  const api = await deployRedisStack(ctx, { redisPods: REDIS_PODS, policySpec: ORIGIN_FAULT_POLICY });
  const endpoints = profileEndpoints(p);
  const db = new DbProbe(p.databaseUrl());
  const stack: Stack = { api, endpoints, profiles: p.processes().filter((n) => n.startsWith(`${SERVICE}-`)), db };
  const fleet = new FleetSampler(endpoints);
  // Room for every GET a slow fault keeps waiting (~6 s at most at 1 000/s), so a cache hit is never queued behind a miss in the client.
  const load = new ProfileLoad({ endpoints, getsPerSecond: GETS_PER_SECOND, connections: 2048, maxInFlight: 8192 });
  const containersBefore = await profileContainers(p);
  let unprepare: (() => Promise<void>) | undefined;
  let loadStopped = false;
  try {
    unprepare = await fault.prepare?.(ctx, stack);
    await primeAll(endpoints, PRIMED_USERS);
    ctx.log(`primed: profiles 1..${PRIMED_USERS} of ${USERS} read once through the services`);
    db.start();
    await fleet.start();
    const primaryBefore = await api.renderedPrimary();
    const startedAt = performance.now();
    load.start();
    // Long enough for the first primed entries to pass ttl + jitter + staleWhileRevalidate.
    await sleep(ctx.quick ? 20_000 : 45_000);
    const faultAt = performance.now();
    const applied = await fault.apply(ctx, stack);
    ctx.log(`${fault.name}: fault applied; holding ${fault.holdMs(ctx.quick) / 1000} s`);
    await sleep(fault.holdMs(ctx.quick));
    await applied.heal();
    const healedAt = performance.now();
    ctx.log(`${fault.name}: healed ${((healedAt - faultAt) / 1000).toFixed(1)} s after the fault; settling`);
    await sleep(ctx.quick ? 10_000 : 20_000);
    const endAt = performance.now();
    await load.stop();
    loadStopped = true;
    ctx.log(`per second (0 = the fault, heal at ${((healedAt - faultAt) / 1000).toFixed(1)} s):\n${timeline({ load, fleet }, faultAt, faultAt - 5000, endAt)}`);
    const containersAfter = await profileContainers(p);
    const ended = [...containersBefore].filter(([uid, id]) => containersAfter.get(uid) !== id).length;
    return {
      instances: INSTANCES,
      getsPerSecond: GETS_PER_SECOND,
      holdSeconds: round((healedAt - faultAt) / 1000, 1),
      ...figures({ load, fleet, db }, { startedAt, faultAt, healedAt, endAt }),
      promoted: (await api.renderedPrimary()) !== primaryBefore,
      processesEnded: ended,
      ...applied.figures?.(),
    };
  } finally {
    if (!loadStopped) await load.stop();
    await fleet.stop();
    await db.stop();
    await unprepare?.().catch((e: unknown) => ctx.log(`undoing ${fault.name}'s preparation: ${String(e)}`));
    api.close();
  }
}

interface Moments {
  /** The load started. */
  readonly startedAt: number;
  readonly faultAt: number;
  readonly healedAt: number;
  /** The load stopped. */
  readonly endAt: number;
}

/** A JSON 503 with a stable code, as ProfileLoad names it: the fail-fast answer the service promises. */
const FAIL_FAST = /^HTTP 503 E_[A-Z_]+$/;

function figures(r: { load: ProfileLoad; fleet: FleetSampler; db: DbProbe }, m: Moments): ScenarioResult {
  const gets = (from: number, to: number) => r.load.gets.filter((g) => g.at >= from && g.at <= to);
  const ms = (from: number, to: number, ok?: boolean) => gets(from, to).filter((g) => ok === undefined || g.ok === ok).map((g) => g.ms);
  const steadyFrom = Math.max(m.startedAt, m.faultAt - 10_000);
  const before = r.fleet.window(steadyFrom, m.faultAt);
  const during = r.fleet.window(m.faultAt, m.healedAt);
  const errors = r.load.errorsBetween(m.faultAt, m.endAt);
  const clientErrors = [...errors.values()].reduce((a, b) => a + b, 0);
  const duringGets = gets(m.faultAt, m.healedAt).length;
  const steadyP99 = percentile(ms(steadyFrom, m.faultAt), 99);
  const inflight = r.fleet.maxInflight(m.startedAt, m.endAt);
  const dbReads = r.db.maxActiveReads(m.startedAt, m.endAt);
  return {
    clientErrors,
    clientErrorNames: nameErrors(errors),
    // Errors per GET while the fault held (the ones of the recovery are in clientErrors).
    clientErrorRate: duringGets ? round(countErrors(r.load, m.faultAt, m.healedAt) / duringGets, 4) : null,
    clientErrorsNotFailFast: [...errors].filter(([name]) => !FAIL_FAST.test(name)).reduce((n, [, c]) => n + c, 0),
    hungRequests: gets(m.startedAt, m.endAt).filter((g) => g.ms > HANG_MS).length,
    clientSkipped: r.load.skipped,
    latencyP50Ms: round(percentile(ms(m.faultAt, m.healedAt), 50), 1),
    latencyP99Ms: round(percentile(ms(m.faultAt, m.healedAt), 99), 1),
    latencyMaxMs: Math.round(Math.max(0, ...ms(m.faultAt, m.endAt))),
    errorAnswerP99Ms: round(percentile(ms(m.faultAt, m.endAt, false), 99), 1),
    steadyLatencyP99Ms: round(steadyP99, 1),
    hitRateBefore: round(before.served / before.reads, 4),
    hitRateDuring: round(during.served / during.reads, 4),
    staleServed: during.failSafe + during.staleWhileRevalidate + during.staleFallbacks,
    staleFailSafe: during.failSafe,
    staleWhileRevalidate: during.staleWhileRevalidate,
    staleFallbacks: during.staleFallbacks,
    originCalls: during.originCalls,
    originCallsPerSecondBefore: round(before.originCalls / ((m.faultAt - steadyFrom) / 1000), 1),
    originCallsPerSecondDuring: round(during.originCalls / ((m.healedAt - m.faultAt) / 1000), 1),
    originOutcomes: outcomes(during),
    originMeanMsDuring: round(during.originMeanMs, 1),
    guardRejections: during.guardRejections,
    circuitOpened: r.fleet.circuitOpenSeen(m.faultAt, m.endAt),
    guardMaxConcurrency: GUARD_MAX_CONCURRENCY,
    maxOriginInflightPerPod: inflight,
    originInflightAboveGuard: Math.max(0, inflight - GUARD_MAX_CONCURRENCY),
    maxDbConcurrentReads: dbReads,
    dbReadsAboveGuard: Math.max(0, dbReads - INSTANCES * GUARD_MAX_CONCURRENCY),
    recoverySeconds: recoverySeconds(r, m, Math.max(RECOVERED_P99_FLOOR_MS, 2 * steadyP99)),
    uncaughtErrors: r.fleet.window(m.startedAt, m.endAt).uncaughtErrors,
    metricsGaps: r.fleet.gaps,
  };
}

/** One line per second from `from` to `to`, relative to `zero`, for the human report. */
function timeline(r: { load: ProfileLoad; fleet: FleetSampler }, zero: number, from: number, to: number): string {
  const lines: string[] = [];
  for (let t = from; t + 1000 <= to; t += 1000) {
    const w = r.fleet.window(t, t + 1000);
    const ms = r.load.gets.filter((g) => g.at >= t && g.at < t + 1000).map((g) => g.ms);
    lines.push(
      `${((t - zero) / 1000).toFixed(0).padStart(4)}s  GET ${String(ms.length).padStart(4)}  err ${String(countErrors(r.load, t, t + 1000)).padStart(4)}` +
        `  p99 ${percentile(ms, 99).toFixed(0).padStart(5)} ms  hit ${(w.served / w.reads).toFixed(3)}  origin ${String(w.originCalls).padStart(4)}` +
        `  rejected ${String(w.guardRejections).padStart(4)}  fail-safe ${w.failSafe}  fallbacks ${w.staleFallbacks}` +
        `${r.fleet.circuitOpenSeen(t, t + 1000) ? '  circuit open' : ''}`,
    );
  }
  return lines.join('\n');
}

function countErrors(load: ProfileLoad, from: number, to: number): number {
  return [...load.errorsBetween(from, to).values()].reduce((a, b) => a + b, 0);
}

function outcomes(w: FleetWindow): string {
  return Object.entries(w.originByOutcome).filter(([, n]) => n > 0).map(([o, n]) => `${o}×${n}`).join(', ') || 'none';
}

/**
 * Seconds from the heal to the first whole second that looks like steady state again: no
 * client error, no fail-safe or fallback answer, no guard rejection, every circuit closed,
 * p99 under the bound. Null if none came before the load stopped.
 */
function recoverySeconds(r: { load: ProfileLoad; fleet: FleetSampler }, m: Moments, p99BoundMs: number): number | null {
  for (let t = m.healedAt; t + 1000 <= m.endAt; t += 250) {
    const w = r.fleet.window(t, t + 1000);
    const ms = r.load.gets.filter((g) => g.at >= t && g.at <= t + 1000).map((g) => g.ms);
    const healthy =
      countErrors(r.load, t, t + 1000) === 0 &&
      w.failSafe + w.staleFallbacks + w.guardRejections === 0 &&
      !r.fleet.circuitOpenSeen(t, t + 1000) &&
      percentile(ms, 99) <= p99BoundMs;
    if (healthy) return round((t - m.healedAt) / 1000, 2);
  }
  return null;
}
