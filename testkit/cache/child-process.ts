/** Parent side of testing/cache-child.ts: fork, wait for messages, stop. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { DoneMessage, RunMessage } from './cache-child.js';

const CHILD = fileURLToPath(new URL('./cache-child.ts', import.meta.url));

export interface CacheChild {
  readonly proc: ChildProcess;
  next(type: string): Promise<Record<string, unknown>>;
  run(m: Omit<RunMessage, 'type'>): Promise<DoneMessage>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCacheChild(redisUrl: string, policySpec: unknown): Promise<CacheChild> {
  const proc = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REDIS_URL: redisUrl, POLICY_SPEC: JSON.stringify(policySpec) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: Array<Record<string, unknown>> = [];
  const waiting: Array<{ type: string; resolve: (m: Record<string, unknown>) => void }> = [];
  proc.on('message', (m: Record<string, unknown>) => {
    const i = waiting.findIndex((w) => w.type === m['type']);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
    else inbox.push(m);
  });
  const next = (type: string) => {
    const i = inbox.findIndex((m) => m['type'] === type);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!);
    return new Promise<Record<string, unknown>>((resolve) => waiting.push({ type, resolve }));
  };
  const exited = once(proc, 'exit');
  await next('ready');
  return {
    proc,
    next,
    run: async (m) => {
      const done = next('done');
      proc.send({ type: 'run', ...m });
      return (await done) as unknown as DoneMessage;
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.send({ type: 'exit' });
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
