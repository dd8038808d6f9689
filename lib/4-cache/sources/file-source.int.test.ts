/**
 * The file source on real files: a policy that is invalid, or that the service's onUpdate
 * cannot apply, is logged, counted, reported against its generation and retried on the next
 * change; it never escapes as an exception or an unhandled rejection.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HerdguardError } from '../../1-ground/errors.js';
import { createLogger } from '../../1-ground/log.js';
import { FilePolicySource } from './file-source.js';
import type { PolicyOutcome, PolicyReporter, PolicyUpdate } from '../../3-policy/source.js';

const doc = (generation: number, prefix = 'user:', ttl = '60s') =>
  JSON.stringify({
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'RenderedCachePolicy',
    policy: 'profile',
    namespace: 'shop',
    generation,
    spec: { targetRef: { kind: 'Deployment', name: 'profile' }, keyspaces: [{ prefix, ttl }] },
  });

/** What the service does: it cannot run without a keyspace for its "user:" keys. */
const needsUserKeyspace = (applied: PolicyUpdate[]) => (u: PolicyUpdate) => {
  if (!u.policy.keyspaces.some((k) => k.prefix === 'user:')) {
    throw new HerdguardError('E_NO_KEYSPACE', 'no keyspace of the policy covers user: keys');
  }
  applied.push(u);
};

let dir: string;
let path: string;
let logs: Array<Record<string, unknown>>;
let counted: string[];
let reported: PolicyOutcome[];
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const reporter: PolicyReporter = {
  report: (o) => {
    reported.push(o);
    return Promise.resolve();
  },
};
const source = () =>
  new FilePolicySource({
    path,
    pollIntervalMs: 100,
    logger: createLogger({}, { write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) }),
    onError: (reason) => counted.push(reason),
    reporter,
  });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hg-policy-'));
  path = join(dir, 'policy.json');
  logs = [];
  counted = [];
  reported = [];
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  rmSync(dir, { recursive: true, force: true });
});

describe('the file policy source', () => {
  it('refuses an invalid change (logged, counted, reported), keeps the last good policy, and applies the next change', async () => {
    writeFileSync(path, doc(1));
    const applied: PolicyUpdate[] = [];
    const s = source();
    await s.start(needsUserKeyspace(applied));
    try {
      writeFileSync(path, doc(2, 'user:', '9000h'));
      await vi.waitFor(() => expect(counted).toEqual(['invalid']), { timeout: 5000, interval: 20 });
      expect(applied.map((u) => u.policy.generation)).toEqual([1]);
      expect(logs.find((l) => l['level'] === 'error')).toMatchObject({ reason: 'invalid', policy: 'profile', generation: 2 });
      writeFileSync(path, doc(3));
      await vi.waitFor(() => expect(applied.map((u) => u.policy.generation)).toEqual([1, 3]), { timeout: 5000, interval: 20 });
    } finally {
      await s.stop();
    }
    expect(reported).toEqual([
      { kind: 'applied', policy: 'profile', generation: 1 },
      { kind: 'refused', policy: 'profile', generation: 2, reason: 'invalid', message: 'spec.keyspaces[0]: ttl must be between 1s and 8760h' },
      { kind: 'applied', policy: 'profile', generation: 3 },
    ]);
  });

  it('refuses a policy the service cannot apply like an invalid one, with no unhandled rejection, and retries on the next change', async () => {
    writeFileSync(path, doc(1));
    const applied: PolicyUpdate[] = [];
    const s = source();
    await s.start(needsUserKeyspace(applied));
    try {
      writeFileSync(path, doc(2, 'account:'));
      await vi.waitFor(() => expect(counted).toEqual(['rejected']), { timeout: 5000, interval: 20 });
      await new Promise((r) => setTimeout(r, 300)); // several polls of the same content: refused once only
      expect(counted).toEqual(['rejected']);
      writeFileSync(path, doc(3));
      await vi.waitFor(() => expect(applied.map((u) => u.policy.generation)).toEqual([1, 3]), { timeout: 5000, interval: 20 });
    } finally {
      await s.stop();
    }
    expect(reported[1]).toEqual({
      kind: 'refused',
      policy: 'profile',
      generation: 2,
      reason: 'rejected',
      message: 'E_NO_KEYSPACE: no keyspace of the policy covers user: keys',
    });
    expect(unhandled).toEqual([]);
  });

  it('refuses to start on a first policy it cannot apply, with E_POLICY_FILE, after counting and reporting it', async () => {
    writeFileSync(path, doc(7, 'account:'));
    const s = source();
    const err = await s.start(needsUserKeyspace([])).then(
      () => undefined,
      (e: unknown) => e,
    );
    await s.stop();
    expect(err).toBeInstanceOf(HerdguardError);
    expect((err as HerdguardError).code).toBe('E_POLICY_FILE');
    expect(counted).toEqual(['rejected']);
    expect(reported).toMatchObject([{ kind: 'refused', generation: 7, reason: 'rejected' }]);
    expect(unhandled).toEqual([]);
  });
});
