import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackSpec } from '../providers/provider.js';
import { cachePolicy, helmValues, mergeValues } from '../providers/chart-values.js';
import { MissingToolError, preflight } from './tools.js';

const stack: StackSpec = {
  namespace: 'chaos',
  services: [
    { name: 'profile', replicas: 3, policySpec: { targetRef: { kind: 'Deployment', name: 'profile' }, keyspaces: [{ prefix: 'user:', ttl: '60s' }], redis: { failover: { enabled: true } } } },
    { name: 'market-data', replicas: 2, policySpec: { targetRef: { kind: 'Deployment', name: 'market-data' }, keyspaces: [{ prefix: 'quote:', ttl: '2s' }] } },
  ],
};

function pathWith(...tools: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'herdguard-path-'));
  for (const t of tools) {
    writeFileSync(join(dir, t), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, t), 0o755);
  }
  return dir;
}

describe('kind provider preflight', () => {
  it('names docker and kind, with where to get them, when neither is installed', () => {
    const err = (() => {
      try {
        preflight({ PATH: pathWith() });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MissingToolError);
    expect((err as MissingToolError).missing).toEqual(['docker', 'kind']);
    expect((err as Error).message).toMatch(/docs\.docker\.com[\s\S]*kind\.sigs\.k8s\.io[\s\S]*--provider local/);
  });

  it('reports a docker client whose daemon does not answer', () => {
    const env = { PATH: pathWith('docker', 'kind') };
    expect(() => preflight(env, () => 'Cannot connect to the Docker daemon')).toThrow(/running Docker daemon[\s\S]*Cannot connect/);
  });

  it('passes and returns both paths when docker answers and kind is installed', () => {
    const env = { PATH: pathWith('docker', 'kind') };
    const tools = preflight(env, () => undefined);
    expect(tools.docker.endsWith('/docker')).toBe(true);
    expect(tools.kind.endsWith('/kind')).toBe(true);
  });
});

describe('chart provider stack mapping', () => {
  it('installs the scenario replica counts, one operator by default, and no sample policies', () => {
    expect(helmValues(stack)).toMatchObject({
      operator: { replicas: 1 },
      examples: { enabled: true, samplePolicies: false, profile: { replicas: 3 }, marketData: { replicas: 2 } },
    });
    expect(helmValues({ ...stack, operator: false })).toMatchObject({ operator: { replicas: 0 } });
    expect(helmValues({ ...stack, operators: 2 })).toMatchObject({ operator: { replicas: 2 } });
  });

  it("keeps the cluster's image values beside the stack's own values for the same component", () => {
    const v = helmValues(stack, { redis: { image: { repository: 'localhost/r' } }, image: { pullPolicy: 'Never' } });
    expect(v).toMatchObject({ redis: { image: { repository: 'localhost/r' }, replicas: 2 }, image: { pullPolicy: 'Never' } });
  });

  it('merges maps key by key and replaces lists and scalars, as helm layers values', () => {
    expect(mergeValues({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, d: 2 })).toEqual({ a: { b: 1, c: [2] }, d: 2 });
  });

  it('names the Redis in every policy, so the operator labels the primary the services reach', () => {
    const p = cachePolicy('chaos', stack.services[1]!) as { spec: Record<string, unknown> };
    expect(p.spec.redis).toEqual({ statefulSetRef: { name: 'herdguard-redis' } });
  });

  it('passes operator and service environment as extraEnv lists', () => {
    const v = helmValues({ ...stack, operatorEnv: { LEASE_DURATION_MS: '4000' }, services: [{ ...stack.services[0]!, env: { X: '1' } }] });
    expect(v).toMatchObject({ operator: { extraEnv: [{ name: 'LEASE_DURATION_MS', value: '4000' }] }, examples: { profile: { extraEnv: [{ name: 'X', value: '1' }] } } });
  });

  it("points the scenario's policy at the chart's Deployment and Redis StatefulSet, keeping the rest", () => {
    const p = cachePolicy('chaos', stack.services[0]!) as { metadata: unknown; spec: Record<string, unknown> };
    expect(p.metadata).toEqual({ name: 'herdguard-profile', namespace: 'chaos' });
    expect(p.spec.targetRef).toEqual({ kind: 'Deployment', name: 'herdguard-profile' });
    expect(p.spec.redis).toEqual({ failover: { enabled: true }, statefulSetRef: { name: 'herdguard-redis' } });
    expect(p.spec.keyspaces).toEqual([{ prefix: 'user:', ttl: '60s' }]);
  });
});
