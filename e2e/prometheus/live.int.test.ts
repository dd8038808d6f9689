/**
 * The live-check harness against a real Prometheus: it loads the generated rules, scrapes a
 * real prom-client endpoint built from the metric-name contract, evaluates every herd-scenario
 * query with data, and sees the hit-rate alert go pending. The e2e scenario
 * (e2e/scenarios/observability-live.ts) points the same harness at the real services.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics as m } from '../../lib/1-ground/metric-names.js';
import { counter, gauge, histogram } from '../../lib/1-ground/prom.js';
import { RULES_FILE } from '../../alerts/generate.js';
import { allAlerts } from '../../alerts/index.js';
import { allRecords } from '../../alerts/recording.js';
import { alertState, evaluateAll, liveQueries, summarize } from './check.js';
import { startPrometheus, type LivePrometheus } from './prometheus.js';

/** A service under a herd: 90% of lookups miss both tiers, the pool queues, the origin is slow. */
function herdRegistry(): { registry: Registry; tick: () => void } {
  const registry = new Registry();
  const base = { service: 'profile', keyspace: 'user:' };
  const req = counter(registry, m.cacheRequests);
  const coalesced = counter(registry, m.cacheCoalesced);
  const lease = counter(registry, m.cacheLease);
  const origin = counter(registry, m.originRequests);
  const originDur = histogram(registry, m.originDuration);
  const http = counter(registry, m.httpRequests);
  const httpDur = histogram(registry, m.httpDuration);
  const pool = gauge(registry, m.dbPoolConnections);
  const share = gauge(registry, m.hotKeyShare);
  const rate = gauge(registry, m.hotKeyRate);
  const applied = gauge(registry, m.policyGenerationApplied);
  const tick = () => {
    req.inc({ ...base, tier: 'l1', result: 'hit' }, 1);
    req.inc({ ...base, tier: 'l1', result: 'miss' }, 19);
    req.inc({ ...base, tier: 'l2', result: 'hit' }, 1);
    req.inc({ ...base, tier: 'l2', result: 'stale' }, 0);
    req.inc({ ...base, tier: 'l2', result: 'miss' }, 18);
    coalesced.inc({ ...base, scope: 'local' }, 5);
    lease.inc({ ...base, result: 'acquired' }, 13);
    origin.inc({ service: 'profile', origin: 'postgres', outcome: 'ok' }, 13);
    originDur.observe({ service: 'profile', origin: 'postgres' }, 0.8);
    http.inc({ service: 'profile', route: '/users/:id', code: '2xx' }, 20);
    httpDur.observe({ service: 'profile', route: '/users/:id' }, 0.9);
    pool.set({ service: 'profile', state: 'waiting' }, 40);
    pool.set({ service: 'profile', state: 'active' }, 10);
    share.set({ ...base, rank: '1' }, 0.02);
    rate.set({ ...base, rank: '1' }, 3);
    applied.set({ service: 'profile', policy: 'profile' }, 1);
  };
  return { registry, tick };
}

describe('live check harness on a real Prometheus', () => {
  let server: Server;
  let prom: LivePrometheus;
  let timer: NodeJS.Timeout;

  beforeAll(async () => {
    const { registry, tick } = herdRegistry();
    tick();
    timer = setInterval(tick, 100);
    server = createServer((_req, res) => {
      registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    prom = await startPrometheus({
      targets: [{ job: 'profile', address: `127.0.0.1:${port}` }],
      ruleFiles: [RULES_FILE],
    });
    await prom.waitForTargets();
  });

  afterAll(async () => {
    clearInterval(timer);
    await prom?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('loads every generated alert rule', async () => {
    const rules = await prom.query('count(ALERTS) or vector(0)');
    expect(rules).toHaveLength(1);
    const r = await fetch(`${prom.url}/api/v1/rules`);
    const body = (await r.json()) as { data: { groups: { rules: unknown[] }[] } };
    expect(body.data.groups.flatMap((g) => g.rules)).toHaveLength(allAlerts().length + allRecords().length);
  });

  it('every herd-scenario dashboard query and alert signal returns data, every alert expression evaluates', async () => {
    const queries = liveQueries();
    // rate() over 1m needs two scrapes of each counter; poll instead of sleeping a fixed time.
    let results = await evaluateAll(prom, queries, new Set(['herd']));
    for (let i = 0; i < 30 && results.some((r) => r.failed); i++) {
      await sleep(500);
      results = await evaluateAll(prom, queries, new Set(['herd']));
    }
    expect(
      results.filter((r) => r.failed),
      summarize(results),
    ).toEqual([]);
    expect(results.filter((r) => r.need === 'herd' && r.mustHaveData).length).toBeGreaterThan(20);
  });

  it('the hit-rate and origin-pool alerts go pending during the herd (their "for" window is longer than a test)', async () => {
    let states: string[] = [];
    for (let i = 0; i < 40; i++) {
      states = await Promise.all(
        ['CacheHitRateLow', 'OriginPoolSaturated', 'OriginLatencyHigh'].map((a) => alertState(prom, a, 60)),
      );
      if (states.every((s) => s !== 'inactive')) break;
      await sleep(500);
    }
    expect(states).toEqual(['pending', 'pending', 'pending']);
    expect(await alertState(prom, 'CacheHotKey', 60)).toBe('inactive');
  });
});
