import { describe, expect, it } from 'vitest';
import type { PolicyUpdate } from '../../../lib/3-policy/source.js';
import type { RenderedWarmup } from '../../../lib/3-policy/warmup.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { WarmupRequests, warmupCurrent } from './warmup-requests.js';

const published = (warmup: RenderedWarmup): PolicyUpdate => ({
  policy: testPolicy(),
  rendered: {
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'RenderedCachePolicy',
    policy: 'profile',
    namespace: 'shop',
    generation: 1,
    spec: {},
    redis: { primary: '127.0.0.1:6379', epoch: 1, warmup },
  },
});

describe('warmupCurrent', () => {
  it('keeps a request current for its expected run time plus the grace, and no longer', () => {
    const req = { id: 'w', ratePerSecondPerInstance: 100, topKeys: 1000, requestedAt: 0 };
    expect(warmupCurrent(req, 10_000 + 120_000)).toBe(true);
    expect(warmupCurrent(req, 10_000 + 120_001)).toBe(false);
    expect(warmupCurrent({ ...req, requestedAt: null }, 1e12)).toBe(true);
  });
});

describe('WarmupRequests', () => {
  it('runs each published warmup request once', async () => {
    const runs: string[] = [];
    const warmups = new WarmupRequests({ run: (req) => Promise.resolve(void runs.push(req.id)) });
    const w = { id: 'w-1', ratePerSecondPerInstance: 333, topKeys: 100, requestedAt: new Date().toISOString() };
    warmups.onPolicy(published(w));
    warmups.onPolicy(published(w));
    await warmups.close();
    expect(runs).toEqual(['w-1']);
  });

  it("runs a cluster's warmup request, whose rendering names no primary", async () => {
    const runs: string[] = [];
    const warmups = new WarmupRequests({ run: (req) => Promise.resolve(void runs.push(req.id)) });
    const w = { id: 'w-c', ratePerSecondPerInstance: 100, topKeys: 10, requestedAt: new Date().toISOString() };
    const u = published(w);
    warmups.onPolicy({ ...u, rendered: { ...u.rendered!, redis: { mode: 'cluster', epoch: 0, warmup: w } } });
    await warmups.close();
    expect(runs).toEqual(['w-c']);
  });

  it('does not run a warmup request that is long over when the pod starts', async () => {
    const runs: string[] = [];
    const now = Date.parse('2026-11-24T12:00:00Z');
    const warmups = new WarmupRequests({ clock: { now: () => now }, run: (req) => Promise.resolve(void runs.push(req.id)) });
    // 100 keys at 10/s take 10 s; an hour later the request is history.
    warmups.onPolicy(published({ id: 'old', ratePerSecondPerInstance: 10, topKeys: 100, requestedAt: '2026-11-24T11:00:00Z' }));
    await warmups.close();
    expect(runs).toEqual([]);
  });

  it('aborts the warmup in progress on close, and waits for it to stop', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let stopped = false;
    const warmups = new WarmupRequests({
      run: (_req, signal) => {
        started();
        return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(void (stopped = true)), { once: true }));
      },
    });
    warmups.onPolicy(published({ id: 'w-2', ratePerSecondPerInstance: 10, topKeys: 100, requestedAt: new Date().toISOString() }));
    await running;
    await warmups.close();
    expect(stopped).toBe(true);
  });
});
