import { describe, expect, it } from 'vitest';
import { readWarmup, renderWarmup, type WarmupRequest } from './warmup.js';

const AT = Date.parse('2026-11-24T10:00:00Z');
const request: WarmupRequest = { id: 'w1', ratePerSecondPerInstance: 333, topKeys: 10_000, requestedAt: AT };

describe('WarmupRequest on the wire', () => {
  it('reads the status form (Unix ms) and the rendered form (RFC 3339) into the same request', () => {
    expect(readWarmup(request)).toEqual(request);
    expect(renderWarmup(request)).toEqual({ id: 'w1', ratePerSecondPerInstance: 333, topKeys: 10_000, requestedAt: '2026-11-24T10:00:00.000Z' });
    expect(readWarmup(renderWarmup(request))).toEqual(request);
  });

  it('reads a request that does not say when it was made as undated, and renders an undated one as long past', () => {
    expect(readWarmup({ id: 'w2', ratePerSecondPerInstance: 10 })).toEqual({ id: 'w2', ratePerSecondPerInstance: 10, topKeys: 0, requestedAt: null });
    expect(readWarmup({ ...request, requestedAt: 'yesterday' })?.requestedAt).toBeNull();
    expect(renderWarmup({ ...request, requestedAt: null }).requestedAt).toBe('1970-01-01T00:00:00.000Z');
  });

  it('refuses a document without an id or a positive numeric rate: no request rather than a NaN rate', () => {
    for (const odd of [null, 'w1', {}, { ...request, id: 7 }, { ...request, ratePerSecondPerInstance: 0 }, { ...request, ratePerSecondPerInstance: '333' }]) {
      expect(readWarmup(odd)).toBeNull();
    }
  });
});
