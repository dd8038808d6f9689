/**
 * Processes that outlive the Node process that started them (`cluster:local up`): each
 * logs to dir/<name>.log and leaves its pid in dir/<name>.pid for `down`.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Proc {
  readonly pid: number;
  stop(): Promise<void>;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!pidAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(50);
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** Detached: the process outlives us, logs to a file, and its pid is written to dir/<name>.pid. */
export function spawnDetached(dir: string, name: string, cmd: string, args: string[], logDir = dir): Proc {
  const fd = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${cmd}`);
  writeFileSync(join(dir, `${name}.pid`), String(pid));
  return { pid, stop: () => stopPid(pid) };
}

