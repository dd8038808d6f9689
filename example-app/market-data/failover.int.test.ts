import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../../testkit/process.js';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { systemClock } from '../../lib/1-ground/clock.js';
import { createRedisAdmin } from '../../operator/failover/redis-admin.js';
import type { RenderedPolicy } from '../../lib/3-policy/types.js';
import { fleetKey } from './balance/fleet-registry.js';
import { defaultPolicySpec } from './default-policy.js';
import { quoteChannel } from './feed/redis-bus.js';
import { leaseKey } from './feed/redis-lease.js';
import { getJson, startFeedSimulator, startMarketData, type RunningService } from './testing/stack.js';
import { openClient, type Recorded } from './testing/ws-client.js';

// Two real market-data processes on a real primary + replica pair that requires AUTH (as
// the chart runs it). The primary is killed -9, the operator's admin module promotes the
// replica, and the rendered policy (a watched file here, a ConfigMap in a cluster) names
// the new primary: everything a pod does with Redis must follow it.
const PASSWORD = 'md-failover';
let primary: RedisServer;
let replica: RedisServer;
let sim: RunningService;
let policyFile: string;
const pods: RunningService[] = [];

const rendered = (to: RedisServer, epoch: number): RenderedPolicy => ({
  apiVersion: 'herdguard.io/v1alpha1',
  kind: 'RenderedCachePolicy',
  policy: 'market-data',
  namespace: 'default',
  generation: 1,
  spec: { ...defaultPolicySpec, redis: { failover: { detectAfter: '1500ms', checkInterval: '250ms' } } },
  redis: { primary: `${to.host}:${to.port}`, epoch },
});
const publish = (to: RedisServer, epoch: number) => writeFileSync(policyFile, JSON.stringify(rendered(to, epoch)));

beforeAll(async () => {
  primary = await startRedis({ name: 'md-redis-0', password: PASSWORD });
  replica = await startRedis({ name: 'md-redis-1', password: PASSWORD, replicaOf: { host: primary.host, port: primary.port } });
  sim = await startFeedSimulator({ rateLimit: 200, latencyMs: 5 });
  policyFile = join(tempDir('md-policy'), 'policy.json');
  publish(primary, 1);
  for (const name of ['md-a', 'md-b']) {
    pods.push(
      await startMarketData(name, {
        redisUrl: primary.url,
        upstreamUrl: sim.url,
        env: { FEED_INTERVAL_MS: '200', BALANCE_INTERVAL_MS: '300', HERDGUARD_POLICY_FILE: policyFile, DEBUG_ENDPOINTS: '1' },
      }),
    );
  }
});

afterAll(async () => {
  await Promise.all(pods.map((p) => p.stop()));
  await sim?.stop();
  await replica?.stop();
  await primary?.stop();
});

const quotes = (c: Recorded) => c.messages.filter((m) => m['type'] === 'quote').map((m) => m['ts'] as number);
const wsUrl = (p: RunningService, symbol: string) => `${p.url.replace('http', 'ws')}/ws/quotes/${symbol}`;
const client = (s: RedisServer) => new Redis(s.url, { lazyConnect: true, maxRetriesPerRequest: 1 });

describe('market-data after a Redis promotion', () => {
  it('keeps every WS subscriber on both pods receiving quotes from one poller per symbol once the new primary is published', async () => {
    const clients = [await openClient(wsUrl(pods[0]!, 'NVDA')), await openClient(wsUrl(pods[1]!, 'NVDA'))];
    const probe = client(replica);
    const watcher = client(replica);
    const published: number[] = [];
    const admin = createRedisAdmin({ clock: systemClock, timeoutMs: 500, password: PASSWORD });
    try {
      await Promise.all(clients.map((c) => waitFor('two quotes before the kill', () => Promise.resolve(quotes(c).length >= 2), 20_000)));
      await waitFor('the replica holds the poller lease', async () => (await probe.get(leaseKey('NVDA'))) !== null);

      await primary.kill();
      await admin.replicaOfNoOne({ name: 'md-redis-1', host: replica.host, port: replica.port, ready: true, deleting: false, labelledPrimary: false, process: 'running' });
      const before = clients.map((c) => Math.max(...quotes(c)));
      publish(replica, 2);

      // No lost subscription: both pods' bus subscribers moved to the new primary.
      await waitFor('both pods subscribed on the new primary', async () => {
        const [, n] = (await probe.call('PUBSUB', 'NUMSUB', quoteChannel('NVDA'))) as [string, number];
        return n === 2;
      }, 20_000);
      await watcher.subscribe(quoteChannel('NVDA'));
      watcher.on('message', (_ch: string, msg: string) => published.push((JSON.parse(msg) as { ts: number }).ts));

      // Every subscriber keeps receiving live quotes, newer than anything before the kill.
      await Promise.all(
        clients.map((c, i) =>
          waitFor('three quotes after the switch', () => Promise.resolve(quotes(c).filter((t) => t > before[i]!).length >= 3), 30_000),
        ),
      );
      await waitFor('the watcher saw quotes published on the new primary', () => Promise.resolve(published.length >= 3), 20_000);
      // One poller: each quote is published once (two pollers would publish each twice).
      expect(new Set(published).size).toBe(published.length);
      expect(await probe.get(leaseKey('NVDA'))).toMatch(/^md-[ab]:\d+$/);
      // The WS fleet registry is re-established on the new primary with both pods.
      await waitFor('both pods report to the fleet registry on the new primary', async () => (await probe.hlen(fleetKey('market-data'))) === 2);
      expect(Object.keys(await probe.hgetall(fleetKey('market-data'))).sort()).toEqual(['md-a', 'md-b']);
      // No orphaned or duplicated loops on either pod.
      for (const p of pods) {
        const s = (await getJson<{ loops: number; orphaned: number; receivers: number }>(`${p.url}/debug/feed`)).body;
        expect(s).toMatchObject({ loops: 1, orphaned: 0, receivers: 1 });
      }
    } finally {
      for (const c of clients) c.ws.close();
      await Promise.all(clients.map((c) => c.closed));
      watcher.disconnect();
      await admin.close();
    }
    // The last subscriber left on each pod: the loops stopped and released the lease on the new primary.
    try {
      await waitFor('loops stopped and lease released on the new primary', async () => {
        const stats = await Promise.all(pods.map((p) => getJson<{ loops: number; stopping: number }>(`${p.url}/debug/feed`)));
        return stats.every((s) => s.body.loops === 0 && s.body.stopping === 0) && (await probe.exists(leaseKey('NVDA'))) === 0;
      });
    } finally {
      probe.disconnect();
    }
  });
});
