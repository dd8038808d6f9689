/**
 * The fence on real redis-server processes: a primary that hears nothing from its replica
 * refuses writes by itself within the bound, and a promotion sets the epoch and the fence
 * before any client write can land.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EPOCH_KEY } from '../../lib/4-cache/lease/keys.js';
import { systemClock } from '../../lib/1-ground/clock.js';
import { fenceBoundMs, fencePlan } from './fence.js';
import { createRedisAdmin, type RedisAdmin } from './redis-admin.js';
import { startTopology, untilTrue, withClient, type Node } from './test-harness.test-helpers.js';
import type { RedisPod } from './world.js';
import { health, masterWith, replicaOf, up } from './fixtures.test-helpers.js';

const DETECT_AFTER_MS = 1500;
let nodes: Node[] = [];
let admin: RedisAdmin | null = null;
afterEach(async () => {
  await admin?.close();
  for (const n of nodes) n.server.child.kill('SIGCONT');
  await Promise.all(nodes.map((n) => n.server.stop(1000)));
  nodes = [];
});

const podOf = (n: Node): RedisPod => ({ name: n.name, host: n.server.host, port: n.server.port, ready: true, deleting: false, labelledPrimary: false, process: 'running' });
const settings = () => {
  const [p0, p1] = nodes.map(podOf) as [RedisPod, RedisPod];
  return fencePlan(health(up(p0, masterWith(p1)), up(p1, replicaOf(p0))), p0.name, DETECT_AFTER_MS).settings;
};
const writes = (n: Node) => withClient(n.server, (c) => c.set('probe', String(Date.now())).then(() => true, () => false));

describe('the fence on real Redis', () => {
  it('makes a primary whose replica went silent refuse writes within the fence bound, and take them again once it is back', async () => {
    nodes = await startTopology(1);
    admin = createRedisAdmin({ clock: systemClock, timeoutMs: 500 });
    expect(settings().minReplicasToWrite).toBe(1);
    for (const n of nodes) await admin.setFence(podOf(n), settings());
    await untilTrue(() => writes(nodes[0]!));
    const figures: number[] = [];
    for (let round = 0; round < 3; round++) {
      nodes[1]!.server.child.kill('SIGSTOP'); // alive, but no acknowledgement reaches the primary: a silent partition
      const t0 = performance.now();
      await untilTrue(async () => !(await writes(nodes[0]!)), 1000);
      figures.push(Math.round(performance.now() - t0));
      nodes[1]!.server.child.kill('SIGCONT');
      await untilTrue(() => writes(nodes[0]!), 1000);
    }
    console.info(`fence: the primary refused writes ${figures.join(', ')} ms after its replica went silent (bound ${fenceBoundMs(DETECT_AFTER_MS)} ms)`);
    for (const ms of figures) expect(ms).toBeLessThanOrEqual(fenceBoundMs(DETECT_AFTER_MS));
  });

  it('promotes with the epoch and the fence in one step: no write is taken before a replica follows', async () => {
    nodes = await startTopology(2);
    admin = createRedisAdmin({ clock: systemClock, timeoutMs: 500 });
    await nodes[0]!.server.kill();
    await admin.replicaOfNoOne(podOf(nodes[1]!), { epoch: 7, fence: { minReplicasToWrite: 1, maxLagSeconds: 1, pingPeriodSeconds: 1 } });
    expect(await withClient(nodes[1]!.server, (c) => c.get(EPOCH_KEY))).toBe('7');
    await expect(withClient(nodes[1]!.server, (c) => c.set('early', '1'))).rejects.toThrow(/^NOREPLICAS/);
    await admin.replicaOf(podOf(nodes[2]!), podOf(nodes[1]!));
    await untilTrue(() => writes(nodes[1]!), 500);
    // A later promotion never lowers the epoch a node already carries.
    await admin.replicaOfNoOne(podOf(nodes[1]!), { epoch: 3, fence: { minReplicasToWrite: 0, maxLagSeconds: 1, pingPeriodSeconds: 1 } });
    expect(await withClient(nodes[1]!.server, (c) => c.get(EPOCH_KEY))).toBe('7');
  });
});
