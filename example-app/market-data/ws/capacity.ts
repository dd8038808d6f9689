/**
 * How many WebSocket connections this pod may hold, derived from its memory limit so that
 * every connection being a slow consumer at once still fits. Per-connection budget:
 *
 *   send bound (disconnectAboveBytes)     bytes queued for a slow client before it is cut
 * + maxMessageBytes                       one client message being read
 * + OBJECT_OVERHEAD_BYTES (64 KiB)        socket, parser, ws and subscription objects, and
 *                                         one write request per queued quote: measured ~75 KB
 *                                         of heap and buffers per slow consumer held at the
 *                                         16 KiB drop bound (ws-limits.int.test.ts)
 * + KERNEL_ALLOWANCE_BYTES (64 KiB)       kernel send buffer: socket memory is charged to
 *                                         the pod's cgroup (v2) though it is not in the RSS.
 *                                         Node cannot set SO_SNDBUF, and Linux autotunes a
 *                                         stalled socket's send buffer up to net.ipv4.tcp_wmem's
 *                                         max (4 MiB by default; measured 3.9 MB on loopback):
 *                                         the allowance holds only when the pod sets that
 *                                         (namespaced) sysctl's max to it. kernelSendBufferMax()
 *                                         reads it so startup can warn when it does not.
 *
 * cap = min(WS_MAX_CONNECTIONS, floor((limit × 0.9 − reserve) / budget)); the 10 % and the
 * reserve (WS_MEMORY_RESERVE_BYTES, default 96 MiB: heap, code, caches) keep headroom for
 * everything else. The limit is MEMORY_LIMIT_BYTES (set it from the downward API,
 * resourceFieldRef limits.memory), else the cgroup's memory.max (v2) or
 * memory.limit_in_bytes (v1); without one, WS_MAX_CONNECTIONS alone applies.
 */
import { readFileSync } from 'node:fs';
import { InvalidOptionError } from '../../../lib/1-ground/errors.js';
import type { SendLimits } from './send-policy.js';

export const OBJECT_OVERHEAD_BYTES = 64 * 1024;
export const KERNEL_ALLOWANCE_BYTES = 64 * 1024;
export const DEFAULT_RESERVE_BYTES = 96 * 1024 * 1024;
const USABLE_FRACTION = 0.9;
/** cgroup v1 reports "no limit" as a huge page-aligned number. */
const UNLIMITED_ABOVE = 2 ** 60;

export type LimitSource = 'env' | 'cgroup-v2' | 'cgroup-v1' | 'none';

export interface MemoryLimit {
  readonly bytes: number | null;
  readonly source: LimitSource;
}

export interface WsCapacity {
  readonly limit: MemoryLimit;
  readonly reserveBytes: number;
  readonly perConnectionBytes: number;
  /** What the memory allows (null without a known limit). */
  readonly derivedCap: number | null;
  /** The cap in force: the smaller of WS_MAX_CONNECTIONS and derivedCap. */
  readonly cap: number;
}

const CGROUP_FILES: ReadonlyArray<readonly [string, LimitSource]> = [
  ['/sys/fs/cgroup/memory.max', 'cgroup-v2'],
  ['/sys/fs/cgroup/memory/memory.limit_in_bytes', 'cgroup-v1'],
];

/** The pod's memory limit: an explicit byte count first, then the cgroup's. */
export function readMemoryLimit(envBytes: string | undefined, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): MemoryLimit {
  if (envBytes !== undefined && envBytes !== '') {
    const n = Number(envBytes);
    if (!Number.isSafeInteger(n) || n < 16 * 1024 * 1024) {
      throw new InvalidOptionError('environment variable MEMORY_LIMIT_BYTES', 'an integer number of bytes of at least 16 MiB', envBytes);
    }
    return { bytes: n, source: 'env' };
  }
  for (const [path, source] of CGROUP_FILES) {
    let text: string;
    try {
      text = read(path).trim();
    } catch {
      continue; // not this cgroup version
    }
    const n = Number(text);
    if (text === 'max' || !Number.isFinite(n) || n >= UNLIMITED_ABOVE) return { bytes: null, source: 'none' };
    return { bytes: n, source };
  }
  return { bytes: null, source: 'none' };
}

/** The max of net.ipv4.tcp_wmem in this network namespace (null when unreadable). */
export function kernelSendBufferMax(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number | null {
  try {
    const max = Number(read('/proc/sys/net/ipv4/tcp_wmem').trim().split(/\s+/)[2]);
    return Number.isFinite(max) ? max : null;
  } catch {
    return null;
  }
}

export function perConnectionBytes(limits: SendLimits, maxMessageBytes: number): number {
  return limits.disconnectAboveBytes + maxMessageBytes + OBJECT_OVERHEAD_BYTES + KERNEL_ALLOWANCE_BYTES;
}

export function wsCapacity(o: { limit: MemoryLimit; reserveBytes: number; limits: SendLimits; maxMessageBytes: number; maxConnections: number }): WsCapacity {
  const per = perConnectionBytes(o.limits, o.maxMessageBytes);
  const derivedCap = o.limit.bytes === null ? null : Math.max(0, Math.floor((o.limit.bytes * USABLE_FRACTION - o.reserveBytes) / per));
  if (derivedCap === 0) {
    throw new InvalidOptionError(
      'the memory limit',
      `large enough for one WebSocket connection (${per} bytes) above the ${o.reserveBytes}-byte reserve`,
      o.limit.bytes,
    );
  }
  return { limit: o.limit, reserveBytes: o.reserveBytes, perConnectionBytes: per, derivedCap, cap: Math.min(o.maxConnections, derivedCap ?? Infinity) };
}
