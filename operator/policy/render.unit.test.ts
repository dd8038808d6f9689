import { describe, expect, it } from 'vitest';
import { renderPolicy, renderRedis } from './render.js';
import type { CachePolicyObject, CachePolicyStatus } from '../../lib/3-policy/objects.js';

const policy = (status?: CachePolicyStatus): CachePolicyObject => ({
  metadata: { name: 'profile', namespace: 'shop', uid: 'u1', generation: 2 },
  spec: { targetRef: { kind: 'Deployment', name: 'profile' }, redis: { statefulSetRef: { name: 'redis' } } },
  ...(status ? { status } : {}),
});

const AT = Date.parse('2026-11-24T10:00:00Z');

describe('renderRedis', () => {
  const cases: Array<{ name: string; status: CachePolicyStatus | undefined; want: ReturnType<typeof renderRedis> }> = [
    { name: 'renders nothing while no primary is known', status: undefined, want: undefined },
    {
      name: 'gives services the host:port address, not the pod name, when the failover controller published one',
      status: { redis: { primary: 'redis-1', promotions: 3, failover: { epoch: 4, address: '10.0.0.7:6380' } } },
      want: { primary: '10.0.0.7:6380', epoch: 4 },
    },
    {
      name: 'falls back to the primary and the promotion count when no failover fields exist',
      status: { redis: { primary: 'redis-0.redis:6379', promotions: 2 } },
      want: { primary: 'redis-0.redis:6379', epoch: 2 },
    },
    {
      name: 'carries a pending warmup with its request time as RFC 3339',
      status: {
        redis: {
          primary: 'redis-0',
          failover: { epoch: 1, address: '127.0.0.1:7000', warmup: { id: 'w1', requestedAt: AT, ratePerSecondPerInstance: 333, topKeys: 10_000 } },
        },
      },
      want: {
        primary: '127.0.0.1:7000',
        epoch: 1,
        warmup: { id: 'w1', ratePerSecondPerInstance: 333, topKeys: 10_000, requestedAt: '2026-11-24T10:00:00.000Z' },
      },
    },
    {
      name: 'ignores a malformed warmup rather than sending services something they cannot run',
      status: { redis: { primary: 'redis-0', failover: { epoch: 1, address: '127.0.0.1:7000', warmup: { id: 7 } } } },
      want: { primary: '127.0.0.1:7000', epoch: 1 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(renderRedis(c.status)).toEqual(c.want);
    });
  }
});

describe('renderPolicy', () => {
  it('omits redis entirely for a policy whose Redis has no known primary', () => {
    expect(renderPolicy(policy())).not.toHaveProperty('redis');
  });

  it('passes a cold-Redis warmup request only to the services of a policy that asked for warmup', () => {
    const status: CachePolicyStatus = {
      redis: {
        primary: 'redis-1',
        failover: { epoch: 2, address: '127.0.0.1:7001', warmup: { id: 'w1', ratePerSecondPerInstance: 100, topKeys: 50, requestedAt: AT } },
      },
    };
    const wants = policy(status);
    const refuses: CachePolicyObject = { ...wants, spec: { ...wants.spec, warmup: { onColdRedis: false } } };
    expect(renderPolicy(wants).redis?.warmup?.id).toBe('w1');
    expect(renderPolicy(refuses).redis).toEqual({ primary: '127.0.0.1:7001', epoch: 2 });
  });

  it('puts the published address and epoch into the rendered document', () => {
    const doc = renderPolicy(policy({ redis: { primary: 'redis-1', failover: { epoch: 5, address: '127.0.0.1:7001' } } }));
    expect(doc.redis).toEqual({ primary: '127.0.0.1:7001', epoch: 5 });
  });
});

describe('renderPolicy for a Redis Cluster (spec.redis.mode cluster)', () => {
  const cluster = (status?: CachePolicyStatus): CachePolicyObject => {
    const p = policy(status);
    return { ...p, spec: { ...p.spec, redis: { statefulSetRef: { name: 'redis' }, mode: 'cluster' } } };
  };
  const warmup = { id: 'w1', ratePerSecondPerInstance: 100, topKeys: 50, requestedAt: AT };

  it('renders no redis block before the operator has observed the cluster', () => {
    expect(renderPolicy(cluster())).not.toHaveProperty('redis');
  });

  it('renders mode cluster with no primary and epoch 0, whatever a standalone past left in status', () => {
    const doc = renderPolicy(cluster({ redis: { primary: 'redis-0', failover: { epoch: 3, address: '127.0.0.1:7000' }, cluster: { reason: 'ClusterOk' } } }));
    expect(doc.redis).toEqual({ mode: 'cluster', epoch: 0 });
  });

  it('passes a cold-start warmup request on', () => {
    const doc = renderPolicy(cluster({ redis: { cluster: { reason: 'ClusterOk' }, failover: { warmup } } }));
    expect(doc.redis).toEqual({ mode: 'cluster', epoch: 0, warmup: { ...warmup, requestedAt: '2026-11-24T10:00:00.000Z' } });
  });
});
