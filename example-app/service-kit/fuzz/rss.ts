/** Resident set size of a running process, read from /proc (Linux), for memory-bound tests. */
import { readFileSync } from 'node:fs';

export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export const MiB = 1024 * 1024;

export const inMiB = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;
