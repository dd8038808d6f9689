import { describe, expect, it } from 'vitest';
import { readRedisCluster } from './cluster-settings.js';

describe('REDIS_CLUSTER_NODES', () => {
  it('is off when unset or empty: the service runs on one primary', () => {
    expect(readRedisCluster({})).toBeUndefined();
    expect(readRedisCluster({ REDIS_CLUSTER_NODES: ' ' })).toBeUndefined();
  });

  it('reads host:port seeds, IPv6 in brackets, and the credentials beside them', () => {
    expect(readRedisCluster({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.2:7000,[::1]:7001', REDIS_PASSWORD: 'pw' })).toEqual({
      seeds: [{ host: 'redis-0.redis', port: 6379 }, { host: '10.0.0.2', port: 7000 }, { host: '::1', port: 7001 }],
      password: 'pw',
    });
  });

  it('refuses a seed without a port, a port out of range, and a URL, naming the entry and what is accepted', () => {
    for (const bad of ['redis-0', 'redis-0:0', 'redis-0:70000', 'redis://a:1', 'a:1,,b:2']) {
      expect(() => readRedisCluster({ REDIS_CLUSTER_NODES: bad })).toThrow(/REDIS_CLUSTER_NODES to be a comma-separated list of host:port/);
    }
  });
});
