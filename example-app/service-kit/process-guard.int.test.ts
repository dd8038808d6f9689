import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// A real Node process with the guard installed: a throw from a timer and a rejection nobody
// handles, then its own metrics. Without the guard, the first would end it with code 1.
const SCRIPT = `
import { Registry } from 'prom-client';
import { createLogger } from './lib/1-ground/log.ts';
import { installProcessGuard } from './example-app/service-kit/process-guard.ts';
const registry = new Registry();
installProcessGuard({ service: 'guarded', registry, logger: createLogger({ service: 'guarded' }) });
setTimeout(() => { throw new Error('escaped from a timer'); }, 10);
setTimeout(() => { void Promise.reject(new Error('nobody awaited me')); }, 20);
setTimeout(async () => { process.stdout.write(await registry.metrics()); }, 200);
`;

function run(): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: ROOT, timeout: 30_000 }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout });
    });
  });
}

describe('process guard', () => {
  it('logs and counts an uncaught exception and an unhandled rejection, and the process keeps running', async () => {
    const { code, out } = await run();
    expect(code).toBe(0);
    expect(out).toContain('herdguard_process_uncaught_errors_total{service="guarded",kind="uncaught_exception"} 1');
    expect(out).toContain('herdguard_process_uncaught_errors_total{service="guarded",kind="unhandled_rejection"} 1');
    const logged = out.split('\n').filter((l) => l.includes('"escaped error')).map((l) => JSON.parse(l) as { kind: string; err: { message: string } });
    expect(logged.map((l) => [l.kind, l.err.message])).toEqual([
      ['uncaught_exception', 'escaped from a timer'],
      ['unhandled_rejection', 'nobody awaited me'],
    ]);
  });
});
