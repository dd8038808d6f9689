/**
 * Child processes for the local provider, tests and benchmarks: real servers, each in
 * its own temp dir, logging to a file, stopped by their owner (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after graceMs. Resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: the chaos tests' "kill -9". */
  kill(): Promise<void>;
  readonly exited: Promise<number | null>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `herdguard-${prefix}-`));
}

/**
 * A free TCP port on 127.0.0.1, chosen by the kernel. The kernel may hand the same port to
 * two probes in a row once the first is closed, so ports given out recently are remembered
 * (bounded) and never given twice by this process.
 */
const recentPorts: number[] = [];
const RECENT_MAX = 4096;

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await probePort(host);
    if (recentPorts.includes(port)) continue;
    recentPorts.push(port);
    if (recentPorts.length > RECENT_MAX) recentPorts.shift();
    return port;
  }
}

function probePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function startProcess(
  name: string,
  cmd: string,
  args: string[],
  opts: SpawnOptions & { logDir?: string } = {},
): Managed {
  const logDir = opts.logDir ?? tempDir('logs');
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      log.write(`spawn error: ${String(err)}\n`);
      resolve(-1);
    });
  });
  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return {
    name,
    child,
    logFile,
    exited,
    stop: (graceMs = 5000) => signal('SIGTERM', graceMs),
    kill: () => signal('SIGKILL', 5000),
  };
}

/** Polls `probe` until it resolves true, or throws naming what never became ready. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(delay);
  }
  throw new Error(`${what} was not ready after ${timeoutMs}ms${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}
