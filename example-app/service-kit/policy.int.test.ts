/**
 * A service's live policy on a real file, through startLivePolicy: what the service cannot
 * apply, and a rendered envelope it must not trust, are refused and counted in
 * herdguard_policy_reload_errors_total; the applied generation gauge keeps the last good one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HerdguardError } from '../../lib/1-ground/errors.js';
import { silentLogger } from '../../lib/1-ground/log.js';
import type { PolicyUpdate } from '../../lib/3-policy/source.js';
import { startLivePolicy, type LivePolicy } from './policy.js';

const doc = (generation: number, extra: Record<string, unknown> = {}, prefix = 'user:') =>
  JSON.stringify({
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'RenderedCachePolicy',
    policy: 'profile',
    namespace: 'shop',
    generation,
    spec: { targetRef: { kind: 'Deployment', name: 'profile' }, keyspaces: [{ prefix, ttl: '60s' }] },
    ...extra,
  });

let dir: string;
let path: string;
let live: LivePolicy | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hg-live-policy-'));
  path = join(dir, 'policy.json');
});
afterEach(async () => {
  await live?.stop();
  live = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function metric(registry: Registry, name: string, labels: string): Promise<number> {
  const text = await registry.metrics();
  const m = new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

describe('a service following its policy file', () => {
  it('counts a policy its onUpdate refuses and a rendered redis address it must not trust, and keeps the last good generation', async () => {
    const registry = new Registry();
    const applied: PolicyUpdate[] = [];
    writeFileSync(path, doc(1, { redis: { primary: 'redis-0:6379', epoch: 0 } }));
    live = await startLivePolicy({
      env: { HERDGUARD_POLICY_FILE: path },
      service: 'profile',
      registry,
      logger: silentLogger,
      onUpdate: (u) => {
        if (!u.policy.keyspaces.some((k) => k.prefix === 'user:')) throw new HerdguardError('E_NO_KEYSPACE', 'no keyspace covers user: keys');
        applied.push(u);
      },
    });
    const errors = (reason: string) => metric(registry, 'herdguard_policy_reload_errors_total', `service="profile",reason="${reason}"`);

    writeFileSync(path, doc(2, {}, 'account:'));
    await vi.waitFor(async () => expect(await errors('rejected')).toBe(1), { timeout: 5000, interval: 20 });
    writeFileSync(path, doc(3, { redis: { primary: 'redis://user:secret@redis-1:6379', epoch: 'two' } }));
    await vi.waitFor(async () => expect(await errors('invalid')).toBe(1), { timeout: 5000, interval: 20 });

    expect(applied.map((u) => u.policy.generation)).toEqual([1]);
    expect(applied[0]?.rendered?.redis).toEqual({ primary: 'redis-0:6379', epoch: 0 });
    expect(await metric(registry, 'herdguard_policy_generation_applied', 'service="profile",policy="profile"')).toBe(1);

    writeFileSync(path, doc(4, { redis: { primary: 'redis-1:6379', epoch: 1 } }));
    await vi.waitFor(() => expect(applied.map((u) => u.policy.generation)).toEqual([1, 4]), { timeout: 5000, interval: 20 });
    expect(await metric(registry, 'herdguard_policy_generation_applied', 'service="profile",policy="profile"')).toBe(4);
  });
});
