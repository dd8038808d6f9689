import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../testkit/fake-clock.js';
import { redisAuthFromEnv } from './auth.js';
import { FailoverBrain } from './brain.js';
import { adminFor } from './controller.js';
import type { RedisAdmin } from './redis-admin.js';
import { MemorySeams, TEST_CONFIG, role, startTopology, withClient, type Node } from './test-harness.test-helpers.js';

// The chart's Redis runs with requirepass/masterauth from a Secret, and gives the operator
// the same password as REDIS_PASSWORD. These tests build the admin client exactly as the
// controller does (adminFor + redisAuthFromEnv) against real redis-server processes.
const PASSWORD = 'chart-default s3cret';

const config = TEST_CONFIG;

let nodes: Node[] = [];
let admins: RedisAdmin[] = [];
afterEach(async () => {
  await Promise.all(admins.map((a) => a.close()));
  await Promise.all(nodes.map((n) => n.server.stop(1000)));
  nodes = [];
  admins = [];
});

function brainWith(env: Record<string, string | undefined>, seams: MemorySeams) {
  const clock = FakeClock.stepping();
  const admin = adminFor(clock, config.checkIntervalMs, redisAuthFromEnv(env));
  admins.push(admin);
  return { brain: new FailoverBrain({ config, admin, seams, clock, newId: () => 'id-auth' }), clock, admin };
}

describe('failover brain with Redis AUTH', () => {
  it('health-checks every pod and promotes the replica after kill -9 of the primary when REDIS_PASSWORD is set', async () => {
    nodes = await startTopology(1, { password: PASSWORD });
    const seams = new MemorySeams(nodes);
    const { brain, clock, admin } = brainWith({ REDIS_PASSWORD: PASSWORD }, seams);
    const probes = await Promise.all((await seams.pods()).map((p) => admin.probe(p)));
    expect(probes.map((p) => p.ok)).toEqual([true, true]);
    await brain.tick();
    expect(seams.record.primary).toBe('redis-0');
    await withClient(nodes[0]!.server, async (c) => {
      await c.set('before', '1');
      await c.call('WAIT', '1', '1000');
    });
    await nodes[0]!.server.kill();
    for (let i = 0; i < 40 && seams.record.promotions === 0; i++) {
      await brain.tick();
      clock.advance(config.checkIntervalMs);
    }
    expect(seams.record).toMatchObject({ primary: 'redis-1', promotions: 1, promotion: null });
    expect(seams.label).toBe('redis-1');
    expect(await role(nodes[1]!.server)).toBe('master');
    expect(await withClient(nodes[1]!.server, (c) => c.get('before'))).toBe('1');
    expect(await withClient(nodes[1]!.server, (c) => c.set('after', '1'))).toBe('OK');
  });

  it('sees a password-protected Redis as unreachable without REDIS_PASSWORD, and so never promotes it', async () => {
    nodes = await startTopology(1, { password: PASSWORD });
    const seams = new MemorySeams(nodes);
    const { brain, clock, admin } = brainWith({}, seams);
    const probe = await admin.probe((await seams.pods())[0]!);
    expect(probe).toMatchObject({ ok: false });
    expect(probe.ok ? '' : probe.error).toMatch(/^NOAUTH/);
    for (let i = 0; i < 10; i++) {
      await brain.tick();
      clock.advance(config.checkIntervalMs);
    }
    expect(seams.record).toMatchObject({ primary: null, promotions: 0 });
    expect(seams.events.map((e) => e.reason)).toContain('AllRedisUnreachable');
    expect(await role(nodes[1]!.server)).toBe('slave');
  });
});

describe('REDIS_PASSWORD validation', () => {
  it('means no AUTH when unset', () => {
    expect(redisAuthFromEnv({})).toEqual({});
  });

  it('refuses an empty password, naming the variable', () => {
    expect(() => redisAuthFromEnv({ REDIS_PASSWORD: '' })).toThrow(/REDIS_PASSWORD.*empty/);
  });

  it('refuses a password ending in a newline, naming the variable', () => {
    expect(() => redisAuthFromEnv({ REDIS_PASSWORD: 'secret\n' })).toThrow(/REDIS_PASSWORD without control characters.*index 6/);
  });

  it('logs in as the ACL user in REDIS_USERNAME (hg-operator in the chart)', () => {
    expect(redisAuthFromEnv({ REDIS_USERNAME: 'hg-operator', REDIS_PASSWORD: 'pw' })).toEqual({ username: 'hg-operator', password: 'pw' });
  });

  it('refuses a user name without a password, naming both variables', () => {
    expect(() => redisAuthFromEnv({ REDIS_USERNAME: 'hg-operator' })).toThrow(/REDIS_PASSWORD to be set with REDIS_USERNAME/);
  });
});
