/**
 * idle-cost: 500 CachePolicies, then nothing changes for 60 s. Counts what the operator
 * asks of the API server meanwhile (its own client counts every request by verb) and the
 * memory of its pod (its cgroup, from the kubelet's stats).
 * Lease renewals are reported apart: leader election must write to stay leader.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario } from './scenario.js';

const NS = 'herdguard-idle';
const POLICIES = 500;

type Counts = Map<string, number>;

async function apiCounts(endpoint: string): Promise<Counts> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const counts: Counts = new Map();
  for (const m of text.matchAll(/^herdguard_operator_api_requests_total\{verb="(\w+)",resource="(\w+)"\} (\d+)/gm)) {
    counts.set(`${m[1]} ${m[2]}`, Number(m[3]));
  }
  return counts;
}

function delta(a: Counts, b: Counts, keep: (verb: string, resource: string) => boolean): number {
  let n = 0;
  for (const [k, v] of b) {
    const [verb, resource] = k.split(' ') as [string, string];
    if (keep(verb, resource)) n += v - (a.get(k) ?? 0);
  }
  return n;
}

const WRITES = new Set(['create', 'update', 'patch', 'apply', 'delete']);

export const idleCost: Scenario = {
  name: 'idle-cost',
  description: `${POLICIES} CachePolicies, 60 s idle: operator writes, API requests beyond watches, RSS`,
  async run(ctx) {
    const idleMs = ctx.quick ? 15_000 : 60_000;
    await ctx.provider.deployStack({ namespace: NS, services: [] });
    const docs = Array.from({ length: POLICIES }, (_, i) =>
      JSON.stringify({
        apiVersion: 'herdguard.io/v1alpha1',
        kind: 'CachePolicy',
        metadata: { name: `policy-${i}`, namespace: NS },
        spec: { targetRef: { kind: 'Deployment', name: `app-${i}` }, keyspaces: [{ prefix: 'k:', ttl: '60s' }] },
      }),
    );
    for (let i = 0; i < POLICIES; i += 100) {
      await ctx.provider.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs.slice(i, i + 100).map((d) => JSON.parse(d) as unknown) }));
    }
    ctx.log(`${POLICIES} CachePolicies applied; waiting for the operator to settle`);
    const endpoint = ctx.provider.endpoint('operator');
    // Settled: every policy rendered and no request other than lease upkeep for 5 s.
    for (let last = await apiCounts(endpoint); ; ) {
      await sleep(5000);
      const now = await apiCounts(endpoint);
      const rendered = (now.get('apply configmaps') ?? 0) >= POLICIES;
      if (rendered && delta(last, now, (_v, r) => r !== 'leases') === 0) break;
      last = now;
    }
    ctx.log(`settled; idling ${idleMs / 1000} s`);
    const before = await apiCounts(endpoint);
    await sleep(idleMs);
    const after = await apiCounts(endpoint);
    const memory = await ctx.provider.memoryBytes('operator');
    return {
      policies: POLICIES,
      idleSeconds: idleMs / 1000,
      idleWrites: delta(before, after, (v, r) => WRITES.has(v) && r !== 'leases'),
      idleApiRequests: delta(before, after, (v, r) => v !== 'watch' && r !== 'leases'),
      idleWatchReconnects: delta(before, after, (v) => v === 'watch'),
      idleLeaseRequests: delta(before, after, (_v, r) => r === 'leases'),
      // The operator pod's cgroup, as the kubelet's stats report it.
      operatorRssMB: Math.round(memory.rssBytes / 104857.6) / 10,
      operatorWorkingSetMB: Math.round(memory.workingSetBytes / 104857.6) / 10,
    };
  },
};
