/* eslint-disable @typescript-eslint/no-explicit-any --
   rendered Kubernetes objects are untyped YAML; the assertions below are their type check. */
/**
 * market-data's WebSocket cap is derived from its memory limit and assumes the kernel queues at
 * most 64 KiB per stalled socket: the chart must give it both (ws/capacity.ts).
 */
import { describe, expect, it } from 'vitest';
import { find, render } from './helm.js';

describe('the market-data Deployment of the chart', () => {
  const d: any = find(render(), 'Deployment', 'hg-herdguard-market-data');

  it('passes its container memory limit as MEMORY_LIMIT_BYTES (downward API)', () => {
    const env = d.spec.template.spec.containers[0].env as any[];
    expect(env.find((e) => e.name === 'MEMORY_LIMIT_BYTES')).toEqual({
      name: 'MEMORY_LIMIT_BYTES',
      valueFrom: { resourceFieldRef: { containerName: 'market-data', resource: 'limits.memory' } },
    });
    expect(d.spec.template.spec.containers[0].resources.limits.memory).toBeDefined();
  });

  it('bounds the kernel send buffer with the safe sysctl net.ipv4.tcp_wmem', () => {
    expect(d.spec.template.spec.securityContext.sysctls).toEqual([{ name: 'net.ipv4.tcp_wmem', value: '4096 16384 65536' }]);
  });
});
