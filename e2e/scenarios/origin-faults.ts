/**
 * The profile's dependencies failing under the usual load, on the real node against the
 * chart's own Redis and PostgreSQL (issue 12 §4): Redis slow, PostgreSQL down, PostgreSQL
 * slow. Each reports client errors, stale answers served, origin calls, the guard's
 * rejections, hit rate, latency during the fault and the recovery time (origin-fault-run.ts);
 * invariants.ts asserts what must hold whatever the machine's speed.
 */
import { DelayProxy, redirectThrough, type Address } from './delay-proxy.js';
import { ORIGIN_FAULT_POLICY, runOriginFault, type OriginFault } from './origin-fault-run.js';
import { refusePostgres, slowOriginReads, stopPostgres } from './postgres-faults.js';
import { round } from './kit/figures.js';
import { INSTANCES, NS } from './kit/policies.js';
import { until } from './kit/stack.js';
import type { Scenario } from './scenario.js';

function scenario(make: () => OriginFault): Scenario {
  const f = make();
  return { name: f.name, description: f.description, run: (ctx) => runOriginFault(ctx, make()) };
}

/** Latency bursts: 1 s in every 2 s, alternating a delay under and one over the services' 500 ms Redis command timeout. */
const BURST_MS = 1000;
const BURST_EVERY_MS = 2000;
const BURST_DELAYS_MS = [200, 1000] as const;

function parseAddress(hostPort: string | null): Address {
  const m = /^(.+):(\d+)$/.exec(hostPort ?? '');
  if (!m) throw new Error(`the rendered policy names no Redis primary (got ${JSON.stringify(hostPort)})`);
  return { host: m[1] as string, port: Number(m[2]) };
}

/**
 * redis-slow: a real TCP proxy between the services and the Redis primary answers late in
 * bursts. It is put in the path (DNAT in each profile pod's network namespace) before the
 * profiles are primed, so the connections it resets to get there are not part of the fault;
 * the operator's health checks go straight to Redis, so nothing is promoted.
 */
function redisSlow(): OriginFault {
  let burstsFrom: number | null = null;
  let proxy: DelayProxy | undefined;
  const delay = (): number => {
    if (burstsFrom === null) return 0;
    const since = performance.now() - burstsFrom;
    const burst = Math.floor(since / BURST_EVERY_MS);
    return since % BURST_EVERY_MS < BURST_MS ? BURST_DELAYS_MS[burst % BURST_DELAYS_MS.length]! : 0;
  };
  return {
    name: 'redis-slow',
    description: `Redis answers the services late through a TCP proxy: ${BURST_MS} ms bursts every ${BURST_EVERY_MS} ms, alternately ${BURST_DELAYS_MS.join(' and ')} ms (the command timeout is 500 ms)`,
    holdMs: (quick) => (quick ? 16_000 : 40_000),
    async prepare(ctx, stack) {
      const target = parseAddress(await stack.api.renderedPrimary());
      proxy = new DelayProxy(target, delay);
      const port = await proxy.listen();
      const p = proxy;
      const undo = await redirectThrough(ctx.provider, stack.profiles, target, port).catch(async (err: unknown) => {
        await p.close();
        throw err;
      });
      await until(`every profile instance reaching Redis through the proxy on port ${port}`, () => Promise.resolve(p.clients.size >= INSTANCES), 30_000);
      ctx.log(`Redis ${target.host}:${target.port} reached through the delaying proxy (port ${port}) by ${[...p.clients].join(', ')}`);
      return async () => {
        await undo();
        await p.close();
      };
    },
    apply() {
      burstsFrom = performance.now();
      return Promise.resolve({
        heal: () => {
          burstsFrom = null;
          return Promise.resolve();
        },
        figures: () => ({
          burstMs: BURST_MS,
          burstEveryMs: BURST_EVERY_MS,
          burstDelaysMs: BURST_DELAYS_MS.join('/'),
          redisCommandTimeoutMs: 500,
          proxiedConnections: proxy?.connections ?? 0,
        }),
      });
    },
  };
}

/**
 * postgres-down: the server stopped in its pod (`pg_ctl stop -m fast`: every session ends,
 * the postmaster exits). The kubelet restarts the container within a second or two (seen:
 * 0.8 to 4 s), too soon to see the breaker's trials, so for the hold the profile pods'
 * connections to it are refused as a stopped server's closed port refuses them (TCP reset);
 * the restore lifts that. The server's own restart is reported as seen from the node.
 */
function postgresDown(): OriginFault {
  return {
    name: 'postgres-down',
    description: 'PostgreSQL stopped (pg_ctl stop -m fast) and its port refused to the services for the hold: cached and stale answers, the circuit opens, misses fail fast',
    holdMs: (quick) => (quick ? 15_000 : 30_000),
    async apply(ctx, stack) {
      const from = performance.now();
      // The exec may end with its container; whether the server went down is what the probe sees.
      await stopPostgres(ctx.provider, NS).catch((e: unknown) => ctx.log(`pg_ctl stop: ${String(e)}`));
      const heal = await refusePostgres(ctx.provider, stack.profiles);
      return {
        heal,
        figures: () => {
          const o = stack.db.outage(from);
          return { serverRestartedAfterSeconds: o ? round((o.up - from) / 1000, 2) : null };
        },
      };
    },
  };
}

/** Each origin read spends this long in PostgreSQL: under the 2 s originTimeout, so calls succeed, slowly. */
const SLOW_READ_MS = 1500;
const ORIGIN_TIMEOUT = (ORIGIN_FAULT_POLICY['keyspaces'] as { originTimeout: string }[])[0]?.originTimeout ?? null;

/** postgres-slow: every origin read takes SLOW_READ_MS inside PostgreSQL (pg_sleep; postgres-faults.ts). */
function postgresSlow(): OriginFault {
  return {
    name: 'postgres-slow',
    description: `every origin read spends ${SLOW_READ_MS} ms in PostgreSQL (pg_sleep through a view): origin calls stay bounded, stale answers, client p99`,
    holdMs: (quick) => (quick ? 15_000 : 30_000),
    async apply(ctx) {
      const heal = await slowOriginReads(ctx.provider.databaseUrl(), SLOW_READ_MS);
      return { heal, figures: () => ({ slowReadMs: SLOW_READ_MS, originTimeout: ORIGIN_TIMEOUT }) };
    },
  };
}

export const redisSlowScenario = scenario(redisSlow);
export const postgresDownScenario = scenario(postgresDown);
export const postgresSlowScenario = scenario(postgresSlow);
