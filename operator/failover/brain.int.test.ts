import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../testkit/fake-clock.js';
import { startRedis } from '../../testkit/redis.js';
import { FailoverBrain } from './brain.js';
import { fenceBoundMs } from './fence.js';
import { createRedisAdmin, type RedisAdmin } from './redis-admin.js';
import { MemorySeams, TEST_CONFIG, role, startTopology, untilTrue, waitSynced, withClient, type Node } from './test-harness.test-helpers.js';

const config = TEST_CONFIG;

let nodes: Node[] = [];
let admins: RedisAdmin[] = [];
afterEach(async () => {
  await Promise.all(admins.map((a) => a.close()));
  await Promise.all(nodes.map((n) => n.server.stop(1000)));
  nodes = [];
  admins = [];
});

let ids = 0;
function brainFor(seams: MemorySeams, clock = FakeClock.stepping(), admin?: RedisAdmin) {
  const a = admin ?? createRedisAdmin({ clock, timeoutMs: 200 });
  admins.push(a);
  return { brain: new FailoverBrain({ config, admin: a, seams, clock, newId: () => `id-${++ids}` }), clock };
}

/** Ticks every checkInterval of fake time until the brain records a finished promotion. */
async function tickUntil(b: FailoverBrain, clock: FakeClock, done: () => boolean, ticks = 40) {
  for (let i = 0; i < ticks && !done(); i++) {
    await b.tick();
    clock.advance(config.checkIntervalMs);
  }
}

describe('failover brain against real redis-server processes', () => {
  it('promotes the replica with the highest offset after kill -9 of the primary, and it accepts writes', async () => {
    nodes = await startTopology(2);
    const seams = new MemorySeams(nodes);
    const { brain, clock } = brainFor(seams);
    await brain.tick(); // adopts redis-0
    expect(seams.record.primary).toBe('redis-0');
    // redis-2 lags: stop its replication so redis-1 holds more of the stream.
    await withClient(nodes[2]!.server, (c) => c.call('REPLICAOF', '127.0.0.1', '1'));
    await withClient(nodes[0]!.server, async (c) => {
      for (let i = 0; i < 50; i++) await c.set(`k${i}`, 'v');
      await c.call('WAIT', '1', '1000');
    });
    await nodes[0]!.server.kill();
    await tickUntil(brain, clock, () => seams.record.promotions === 1);
    expect(seams.record).toMatchObject({ primary: 'redis-1', epoch: 2, promotions: 1, promotion: null });
    expect(seams.label).toBe('redis-1');
    expect(seams.published).toEqual({ primary: 'redis-1', epoch: 2 });
    expect(await withClient(nodes[1]!.server, (c) => c.set('after', '1'))).toBe('OK');
    expect(await withClient(nodes[1]!.server, (c) => c.dbsize())).toBeGreaterThanOrEqual(50);
    expect(await role(nodes[2]!.server)).toBe('slave');
    expect(brain.maxPrimariesObserved).toBe(1);
  });

  it('never promotes over a stalled primary (SIGSTOP), which wakes up still primary; promotes once its process is gone', async () => {
    nodes = await startTopology(2);
    const seams = new MemorySeams(nodes);
    const { brain, clock } = brainFor(seams);
    await brain.tick(); // adopts redis-0
    // Fenced once the primary counts its replicas online (their first acknowledgement, within a second).
    for (let i = 0; i < 100 && !seams.record.primaryFenced; i++) {
      await brain.tick();
      clock.advance(config.checkIntervalMs);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seams.record.primaryFenced).toBe(true);
    const stalled = nodes[0]!.server.child;
    stalled.kill('SIGSTOP');
    try {
      // Far past detectAfter and the fence bound, by the operator's clock and by the replicas' own count of silence.
      await tickUntil(brain, clock, () => seams.record.promotions > 0, 20);
      await new Promise((r) => setTimeout(r, fenceBoundMs(config.detectAfterMs)));
      await tickUntil(brain, clock, () => seams.record.promotions > 0, 4);
      expect(seams.record).toMatchObject({ primary: 'redis-0', promotions: 0 });
      expect(seams.events.map((e) => e.reason)).toContain('PrimaryHung');
    } finally {
      stalled.kill('SIGCONT');
    }
    await tickUntil(brain, clock, () => false, 2);
    expect(await withClient(nodes[0]!.server, (c) => c.set('awake', '1'))).toBe('OK');
    expect(await role(nodes[1]!.server)).toBe('slave');

    // Stalled again, then killed (what the kubelet's liveness restart does): its end allows the promotion.
    stalled.kill('SIGSTOP');
    await tickUntil(brain, clock, () => false, 4);
    await nodes[0]!.server.kill();
    await tickUntil(brain, clock, () => seams.record.promotions === 1);
    // Either replica may win: both followed the primary to the same offset.
    expect(seams.record).toMatchObject({ promotions: 1, promotion: null });
    expect(['redis-1', 'redis-2']).toContain(seams.record.primary);
    expect(brain.maxPrimariesObserved).toBe(1);
  });

  it('makes the returning old primary a replica of the new one as soon as it answers, never giving it the label', async () => {
    nodes = await startTopology(1);
    const seams = new MemorySeams(nodes);
    const { brain, clock } = brainFor(seams);
    await brain.tick();
    const old = nodes[0]!.server;
    await old.kill();
    await tickUntil(brain, clock, () => seams.record.promotions === 1);
    nodes[0]!.server = await startRedis({ name: 'redis-0', port: old.port }); // comes back empty, as master
    const labels = new Set<string | null>();
    for (let i = 0; i < 40 && (await role(nodes[0]!.server)) === 'master'; i++) {
      await brain.tick();
      labels.add(seams.label);
      clock.advance(config.checkIntervalMs);
    }
    expect(await role(nodes[0]!.server)).toBe('slave');
    expect([...labels]).toEqual(['redis-1']);
    expect(await role(nodes[1]!.server)).toBe('master');
    expect(seams.label).toBe('redis-1');
    await waitSynced([nodes[1]!, nodes[0]!]);
  });

  it('switches over with FAILOVER when the primary pod is deleted, losing no acknowledged write', async () => {
    nodes = await startTopology(1);
    const seams = new MemorySeams(nodes);
    const { brain } = brainFor(seams);
    await brain.tick();
    const acked: string[] = [];
    let stop = false;
    // FAILOVER pauses writes and waits until the replica has every acknowledged one, so plain SET acks must all survive.
    const writer = withClient(nodes[0]!.server, async (c) => {
      for (let i = 0; !stop; i++) {
        try {
          await c.set(`w${i}`, String(i));
          acked.push(`w${i}`);
        } catch (err) {
          // NOREPLICAS: refused, so not acknowledged (the fence counts its replica once a second); try again.
          if (err instanceof Error && err.message.startsWith('NOREPLICAS')) continue;
          return; // READONLY once the handover is done: this writer's job is over
        }
      }
    });
    await untilTrue(() => Promise.resolve(acked.length > 200));
    nodes[0]!.deleting = true;
    await brain.tick();
    stop = true;
    await writer;
    expect(seams.record).toMatchObject({ primary: 'redis-1', promotions: 1 });
    expect(await role(nodes[0]!.server)).toBe('slave');
    const present = await withClient(nodes[1]!.server, async (c) => (await c.mget(...acked)).filter((v) => v !== null).length);
    expect(acked.length - present).toBe(0);
    // The leaving pod stops right after the handover: its successor, now alone, still takes writes.
    await nodes[0]!.server.stop(1000);
    expect(await withClient(nodes[1]!.server, (c) => c.set('after-handover', '1'))).toBe('OK');
  });

  it('never promotes when it is cut off from every Redis, however long the outage', async () => {
    nodes = await startTopology(1);
    const seams = new MemorySeams(nodes);
    const clock = FakeClock.stepping();
    const real = createRedisAdmin({ clock, timeoutMs: 200 });
    let cut = false;
    // Chaos wrapper around the real admin client: the network between operator and Redis is gone.
    const partitioned: RedisAdmin = { ...real, probe: (p) => (cut ? Promise.resolve({ ok: false, error: 'partitioned', hung: false }) : real.probe(p)) };
    const { brain } = brainFor(seams, clock, partitioned);
    admins.push(real);
    await brain.tick();
    cut = true;
    await tickUntil(brain, clock, () => false, 40);
    expect(seams.record).toMatchObject({ primary: 'redis-0', promotions: 0, promotion: null });
    expect(seams.events.map((e) => e.reason)).toContain('AllRedisUnreachable');
    expect(await role(nodes[1]!.server)).toBe('slave');
  });

  it('lets a new leader finish a promotion its predecessor left half done', async () => {
    nodes = await startTopology(2);
    const seams = new MemorySeams(nodes);
    const first = brainFor(seams);
    await first.brain.tick();
    await nodes[0]!.server.kill();
    seams.crashAfterStep = 'Promoted'; // the first leader dies right after REPLICAOF NO ONE
    for (let i = 0; i < 40 && seams.record.promotion?.step !== 'Promoted'; i++) {
      await first.brain.tick().catch(() => undefined); // the chaos crash surfaces here
      first.clock.advance(config.checkIntervalMs);
    }
    expect(seams.record.promotion).toMatchObject({ step: 'Promoted' });
    seams.crashAfterStep = null;
    const second = brainFor(seams);
    await tickUntil(second.brain, second.clock, () => seams.record.promotions === 1, 10);
    expect(seams.record).toMatchObject({ primary: seams.record.primary, promotions: 1, promotion: null, epoch: 2 });
    const masters = await Promise.all(nodes.slice(1).map((n) => role(n.server)));
    expect(masters.filter((r) => r === 'master')).toHaveLength(1);
    expect(second.brain.maxPrimariesObserved).toBe(1);
  });

  it('never promotes when only the operator is cut off from the primary while the replicas still hear it', async () => {
    nodes = await startTopology(2);
    const seams = new MemorySeams(nodes);
    const clock = FakeClock.stepping();
    const real = createRedisAdmin({ clock, timeoutMs: 200 });
    admins.push(real);
    let cut = false;
    // Chaos wrapper around the real admin client: only the operator's path to the primary is gone.
    const partitioned: RedisAdmin = { ...real, probe: (p) => (cut && p.name === 'redis-0' ? Promise.resolve({ ok: false, error: 'partitioned', hung: false }) : real.probe(p)) };
    const { brain } = brainFor(seams, clock, partitioned);
    await brain.tick(); // adopts redis-0 and fences every pod (the primary pings its replicas every second)
    cut = true;
    const started = performance.now();
    // Real seconds matter: the replicas' silence counter runs on their clock, not the fake one.
    for (let i = 0; performance.now() - started < 4500 && i < 400; i++) {
      await brain.tick();
      clock.advance(config.checkIntervalMs);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seams.record).toMatchObject({ primary: 'redis-0', promotions: 0, promotion: null });
    expect(seams.events.map((e) => e.reason)).toContain('NoQuorum');
    expect((await Promise.all(nodes.map((n) => role(n.server)))).filter((r) => r === 'master')).toHaveLength(1);
  });

  it('stops between two steps when the leader loses its Lease, and a successor finishes the promotion', async () => {
    nodes = await startTopology(2);
    const seams = new MemorySeams(nodes);
    const first = brainFor(seams);
    await first.brain.tick();
    await nodes[0]!.server.kill();
    seams.deposeAfterStep = 'Chosen'; // the Lease is lost right after the first step was recorded
    let stopped: unknown = null;
    for (let i = 0; i < 40 && stopped === null; i++) {
      await first.brain.tick().catch((err: unknown) => (stopped = err));
      first.clock.advance(config.checkIntervalMs);
    }
    expect(stopped).toMatchObject({ code: 'E_NOT_LEADER' });
    expect(seams.refused).toBe(1);
    expect(seams.record.promotion).toMatchObject({ step: 'Chosen' });
    // Nothing changed after the check: both survivors are still replicas.
    expect(await Promise.all(nodes.slice(1).map((n) => role(n.server)))).toEqual(['slave', 'slave']);
    seams.deposeAfterStep = null;
    seams.leading = true; // the successor holds the Lease
    const second = brainFor(seams);
    await tickUntil(second.brain, second.clock, () => seams.record.promotions === 1, 10);
    expect(seams.record).toMatchObject({ promotions: 1, promotion: null, epoch: 2 });
    expect((await Promise.all(nodes.slice(1).map((n) => role(n.server)))).filter((r) => r === 'master')).toHaveLength(1);
  });

  it('lets a primary whose only replica died take writes again within a few checks, recorded as not fenced', async () => {
    nodes = await startTopology(1);
    const seams = new MemorySeams(nodes);
    const { brain, clock } = brainFor(seams);
    for (let i = 0; i < 100 && !seams.record.primaryFenced; i++) {
      await brain.tick();
      clock.advance(config.checkIntervalMs);
      await new Promise((r) => setTimeout(r, 20));
    }
    await nodes[1]!.server.kill();
    const killedAt = performance.now();
    const writes = () => withClient(nodes[0]!.server, (c) => c.set('survivor', '1').then(() => true, () => false));
    let accepted = false;
    for (let i = 0; i < 100 && !accepted; i++) {
      await brain.tick();
      clock.advance(config.checkIntervalMs);
      accepted = await writes();
    }
    console.info(`survivor: the primary took writes again ${Math.round(performance.now() - killedAt)} ms after its only replica died`);
    expect(accepted).toBe(true);
    expect(seams.record).toMatchObject({ primary: 'redis-0', primaryFenced: false });
  });
});
