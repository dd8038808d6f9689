import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../../lib/1-ground/errors.js';
import { KERNEL_ALLOWANCE_BYTES, OBJECT_OVERHEAD_BYTES, perConnectionBytes, readMemoryLimit, wsCapacity } from './capacity.js';

const MiB = 1024 * 1024;
const limits = { dropAboveBytes: 16 * 1024, disconnectAboveBytes: 64 * 1024, maxConsecutiveDrops: 100 };
const files = (map: Record<string, string>) => (path: string) => {
  const v = map[path];
  if (v === undefined) throw new Error(`ENOENT ${path}`);
  return v;
};

describe('WebSocket connection cap from the memory limit', () => {
  it('budgets each connection as its send bound, one message, object overhead and the kernel allowance', () => {
    expect(perConnectionBytes(limits, 4096)).toBe(64 * 1024 + 4096 + OBJECT_OVERHEAD_BYTES + KERNEL_ALLOWANCE_BYTES);
  });

  it('derives about 700 connections for a 256 MiB pod with the default 96 MiB reserve', () => {
    const c = wsCapacity({ limit: { bytes: 256 * MiB, source: 'env' }, reserveBytes: 96 * MiB, limits, maxConnections: 20_000, maxMessageBytes: 4096 });
    expect(c.derivedCap).toBe(Math.floor((256 * MiB * 0.9 - 96 * MiB) / c.perConnectionBytes));
    expect(c.cap).toBe(c.derivedCap);
    expect(c.cap).toBe(702);
    expect(c.cap * c.perConnectionBytes + 96 * MiB).toBeLessThanOrEqual(256 * MiB);
  });

  it('keeps WS_MAX_CONNECTIONS when it is below what the memory allows, and applies it alone without a limit', () => {
    const big = wsCapacity({ limit: { bytes: 8192 * MiB, source: 'cgroup-v2' }, reserveBytes: 96 * MiB, limits, maxConnections: 500, maxMessageBytes: 4096 });
    expect(big.cap).toBe(500);
    const none = wsCapacity({ limit: { bytes: null, source: 'none' }, reserveBytes: 96 * MiB, limits, maxConnections: 20_000, maxMessageBytes: 4096 });
    expect([none.derivedCap, none.cap]).toEqual([null, 20_000]);
  });

  it('refuses a memory limit too small for one connection above the reserve', () => {
    expect(() => wsCapacity({ limit: { bytes: 100 * MiB, source: 'env' }, reserveBytes: 96 * MiB, limits, maxConnections: 10, maxMessageBytes: 4096 })).toThrow(InvalidOptionError);
  });

  it.each([
    [{ '/sys/fs/cgroup/memory.max': '268435456\n' }, { bytes: 268435456, source: 'cgroup-v2' }],
    [{ '/sys/fs/cgroup/memory.max': 'max\n' }, { bytes: null, source: 'none' }],
    [{ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '536870912' }, { bytes: 536870912, source: 'cgroup-v1' }],
    [{ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' }, { bytes: null, source: 'none' }],
    [{}, { bytes: null, source: 'none' }],
  ])('reads the cgroup files %j as %j', (map, expected) => {
    expect(readMemoryLimit(undefined, files(map))).toEqual(expected);
  });

  it('prefers MEMORY_LIMIT_BYTES and refuses a value that is not a byte count', () => {
    expect(readMemoryLimit('268435456', files({ '/sys/fs/cgroup/memory.max': '1' }))).toEqual({ bytes: 268435456, source: 'env' });
    expect(() => readMemoryLimit('256Mi')).toThrow(/MEMORY_LIMIT_BYTES/);
  });
});
